//! The `tenancy` command line tool.

fn main() {}
