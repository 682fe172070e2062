//! Unit tests of the verifier, one group per rule.
