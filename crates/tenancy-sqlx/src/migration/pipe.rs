//! `COPY ... TO STDOUT` on one connection streamed into `COPY ... FROM STDIN` on another.

use futures_util::StreamExt;
use sqlx::PgConnection;

use crate::error::Error;

/// Streams the output of `copy_out` (a `COPY ... TO STDOUT`) on `from` into `copy_in` (a
/// `COPY ... FROM STDIN`) on `into`, chunk by chunk, without buffering the whole data set;
/// returns the rows written. When the source fails, the target `COPY` is aborted, so `into`
/// holds none of it (and its transaction, if any, can still be rolled back cleanly).
///
/// This is the whole data path of the migration's copy; the benchmark uses it bare as the raw
/// baseline.
///
/// # Errors
/// Database errors from either side.
///
/// # Example
/// ```no_run
/// # async fn run(source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let (mut from, mut into) = (source.acquire().await?, target.acquire().await?);
/// let rows = tenancy_sqlx::migration::pipe_copy(
///     &mut from,
///     "COPY (SELECT id, title, 7 FROM tenant_7.tasks) TO STDOUT",
///     &mut into,
///     "COPY tasks (id, title, tenant_id) FROM STDIN",
/// )
/// .await?;
/// println!("{rows} rows");
/// # Ok(()) }
/// ```
pub async fn pipe_copy(
    from: &mut PgConnection,
    copy_out: &str,
    into: &mut PgConnection,
    copy_in: &str,
) -> Result<u64, Error> {
    let mut sink = into.copy_in_raw(copy_in).await?;
    let streamed = async {
        let mut rows = from.copy_out_raw(copy_out).await?;
        while let Some(chunk) = rows.next().await {
            sink.send(chunk?).await?;
        }
        Ok::<_, sqlx::Error>(())
    }
    .await;
    if let Err(error) = streamed {
        // The abort's own error is secondary: the stream error says what went wrong.
        let _ = sink.abort("tenancy: the source COPY failed").await;
        return Err(error.into());
    }
    Ok(sink.finish().await?)
}
