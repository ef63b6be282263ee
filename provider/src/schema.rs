//! Short constructors for `tf_provider` schema attributes, so resource schemas read
//! like the documentation tables they produce.

use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Description};

fn attribute(attr_type: AttributeType, constraint: AttributeConstraint, doc: &str) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(doc.to_owned()),
        constraint,
        sensitive: false,
        deprecated: false,
    }
}

pub fn required(attr_type: AttributeType, doc: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Required, doc)
}

pub fn optional(attr_type: AttributeType, doc: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Optional, doc)
}

pub fn optional_computed(attr_type: AttributeType, doc: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::OptionalComputed, doc)
}

pub fn computed(attr_type: AttributeType, doc: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Computed, doc)
}

pub fn string_map() -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::String))
}

pub fn string_list() -> AttributeType {
    AttributeType::List(Box::new(AttributeType::String))
}
