//! Serde helpers for Terraform values that `tf_provider::value` lacks.

/// An optional nested block (`NestedBlock::Optional`, a list of at most one element)
/// as a [`Value`]. Unlike `tf_provider::value::serde_as_vec`, an unknown block list
/// (a `dynamic` block over a value not known yet, as during validation) is accepted.
pub mod optional_block {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use tf_provider::value::Value;

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Value<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Value::Value(v) => [v].serialize(serializer),
            // Terraform represents an absent block as an empty list, never as null.
            Value::Null => <[T; 0]>::default().serialize(serializer),
            Value::Unknown => Value::<()>::Unknown.serialize(serializer),
        }
    }

    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Value<T>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let list: Value<Vec<Value<T>>> = Deserialize::deserialize(deserializer)?;
        match list {
            Value::Value(items) => {
                let mut items = items.into_iter();
                let first = items.next().unwrap_or(Value::Null);
                if items.next().is_some() {
                    return Err(D::Error::custom(
                        "at most one block of this type is allowed",
                    ));
                }
                Ok(first)
            }
            Value::Null => Ok(Value::Null),
            Value::Unknown => Ok(Value::Unknown),
        }
    }

    #[cfg(test)]
    mod tests {
        use serde::{Deserialize, Serialize};
        use tf_provider::value::Value;

        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Outer {
            #[serde(with = "super")]
            block: Value<Inner>,
        }

        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Inner {
            name: Value<String>,
        }

        fn roundtrip(v: &Outer) -> Outer {
            rmp_serde::from_slice(&rmp_serde::to_vec_named(v).unwrap()).unwrap()
        }

        #[test]
        fn known_absent_and_unknown_blocks_roundtrip() {
            for block in [
                Value::Value(Inner {
                    name: Value::Value("x".into()),
                }),
                Value::Null,
                Value::Unknown,
            ] {
                let outer = Outer { block };
                assert_eq!(roundtrip(&outer), outer);
            }
        }
    }
}
