//! Ids derived from other ids, so that a step repeated after a crash writes the same row.

use uuid::Uuid;

/// A stable id for the `what` of `parent` (a job's artifact, its compute cost, one of its
/// notifications): the same inputs always give the same id, so inserting it twice is a
/// conflict, not a duplicate.
pub fn derived_id(parent: &Uuid, what: &str) -> Uuid {
    Uuid::new_v5(parent, what.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_inputs_give_the_same_id() {
        let parent = Uuid::now_v7();
        assert_eq!(derived_id(&parent, "artifact"), derived_id(&parent, "artifact"));
        assert_ne!(derived_id(&parent, "artifact"), derived_id(&parent, "compute"));
    }
}
