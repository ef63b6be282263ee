//! A Terraform `number` that keeps fractions in both directions.
//!
//! `tf_provider::value::ValueNumber` is an `i64`, which cannot hold `0.1`. Terraform's
//! msgpack encoding (cty) sends a number as an integer when it is one, as a float64
//! when that is exact, and otherwise as a decimal *string* (0.1 has no exact float64).
//! We accept all three and send back integers as integers and everything else as the
//! shortest decimal string that round-trips, so cty parses exactly the value the
//! configuration holds and Terraform sees no "inconsistent result".

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A finite Terraform number.
#[derive(Clone, Copy, PartialEq, PartialOrd, Debug, Default)]
pub struct Number(f64);

/// Largest integer that an `f64` holds exactly (2^53).
const MAX_EXACT_INT: f64 = 9_007_199_254_740_992.0;

impl Number {
    /// A number from a finite float. Infinities and NaN are not Terraform numbers.
    pub fn new(value: f64) -> Option<Self> {
        value.is_finite().then_some(Self(value))
    }

    pub fn as_f64(self) -> f64 {
        self.0
    }

    /// The value as an integer when it is one (and fits), for counts and sizes.
    pub fn as_i64(self) -> Option<i64> {
        (self.0.fract() == 0.0 && self.0.abs() <= MAX_EXACT_INT).then_some(self.0 as i64)
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        Self(value as f64)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_i64() {
            Some(i) => write!(f, "{i}"),
            // Rust prints the shortest representation that parses back to the same f64.
            None => write!(f, "{}", self.0),
        }
    }
}

impl std::str::FromStr for Number {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a number"))?;
        Number::new(value).ok_or_else(|| format!("{s:?} is not a finite number"))
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.as_i64() {
            Some(i) => serializer.serialize_i64(i),
            None => serializer.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumberVisitor;
        impl Visitor<'_> for NumberVisitor {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number (integer, float or decimal string)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number::from(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                Number::new(v).ok_or_else(|| E::custom("number is not finite"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tf_provider::value::Value;

    fn roundtrip(n: &Value<Number>) -> Value<Number> {
        let bytes = rmp_serde::to_vec_named(n).expect("encode");
        rmp_serde::from_slice(&bytes).expect("decode")
    }

    #[test]
    fn decodes_what_terraform_sends() {
        // cty sends 0.1 as a string, 2.5 as a float64 and 100 as an integer.
        let from_str: Number = rmp_serde::from_slice(&rmp_serde::to_vec("0.1").unwrap()).unwrap();
        assert_eq!(from_str.as_f64(), 0.1);
        let from_float: Number =
            rmp_serde::from_slice(&rmp_serde::to_vec(&2.5f64).unwrap()).unwrap();
        assert_eq!(from_float.as_f64(), 2.5);
        let from_int: Number = rmp_serde::from_slice(&rmp_serde::to_vec(&100i64).unwrap()).unwrap();
        assert_eq!(from_int.as_i64(), Some(100));
    }

    #[test]
    fn encodes_fractions_as_exact_decimal_strings() {
        let bytes = rmp_serde::to_vec(&Number::new(0.1).unwrap()).unwrap();
        let raw: rmpv::Value = rmpv::decode::read_value(&mut bytes.as_slice()).unwrap();
        assert_eq!(raw.as_str(), Some("0.1"));
        let bytes = rmp_serde::to_vec(&Number::from(42)).unwrap();
        let raw: rmpv::Value = rmpv::decode::read_value(&mut bytes.as_slice()).unwrap();
        assert_eq!(raw.as_i64(), Some(42));
    }

    #[test]
    fn roundtrips_inside_terraform_values() {
        for v in [
            Value::Value(Number::new(99.95).unwrap()),
            Value::Value(Number::from(-3)),
            Value::Null,
            Value::Unknown,
        ] {
            assert_eq!(roundtrip(&v), v);
        }
    }

    #[test]
    fn rejects_non_numbers() {
        assert!(rmp_serde::from_slice::<Number>(&rmp_serde::to_vec("ten").unwrap()).is_err());
        assert!(rmp_serde::from_slice::<Number>(&rmp_serde::to_vec(&true).unwrap()).is_err());
        assert!("NaN".parse::<Number>().is_err());
        assert!(Number::new(f64::INFINITY).is_none());
    }
}
