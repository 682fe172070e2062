//! One module per subcommand.

pub(crate) mod lint;
pub(crate) mod rewrite;
pub(crate) mod schemas;

use std::path::Path;

use tenancy_core::{Catalog, Rewriter};

use crate::error::Error;

/// Loads the catalog file and builds a rewriter over it.
pub(crate) fn load_rewriter(path: &Path) -> Result<Rewriter, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let catalog = Catalog::from_toml_str(&text).map_err(|source| Error::Catalog {
        path: path.to_owned(),
        source: Box::new(source),
    })?;
    Ok(Rewriter::new(catalog))
}
