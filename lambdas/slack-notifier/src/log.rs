//! Structured logs: one JSON object per line on stdout, which Lambda sends to the
//! function's log group (R3.4-c). Written by hand to keep a tracing stack out of the
//! cold start. Callers never pass the webhook URL.

use serde_json::{Map, Value};

pub fn info(msg: &str, fields: &[(&str, Value)]) {
    write("INFO", msg, fields);
}

pub fn error(msg: &str, fields: &[(&str, Value)]) {
    write("ERROR", msg, fields);
}

fn write(level: &str, msg: &str, fields: &[(&str, Value)]) {
    println!("{}", line(level, msg, fields));
}

pub fn line(level: &str, msg: &str, fields: &[(&str, Value)]) -> String {
    let mut object = Map::new();
    object.insert("level".into(), level.into());
    object.insert("msg".into(), msg.into());
    for (k, v) in fields {
        object.insert((*k).to_owned(), v.clone());
    }
    Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_json_object_per_line() {
        let line = super::line(
            "INFO",
            "posted",
            &[("attempts", 2.into()), ("note", "a\nb".into())],
        );
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["attempts"], 2);
        assert_eq!(v["level"], "INFO");
    }
}
