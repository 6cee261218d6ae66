//! The group-commit engine under [`super::SqliteStore`]: one connection, and a queue of the writes requests
//! wait for.
//!
//! One connection behind a `std::sync::Mutex`; nothing awaits while it is held (clippy's
//! `await_holding_lock` guards that). A write a request waits for is queued ([`GroupCommit::write`]), and
//! whoever holds the connection commits every queued write in one `BEGIN IMMEDIATE` transaction, each
//! write in its own savepoint (a refused write undoes only itself), and only then tells each request how
//! its write ended. Under concurrent load one commit serves many requests; alone, a request commits its
//! own write at once. No write is left behind: a request queues before it tries the connection, and
//! whoever releases the connection ([`GroupCommit::with_conn`] included) looks at the queue again
//! afterwards.
//!
//! A write's read-check-write runs inside that transaction, which takes SQLite's write lock before the
//! read, so what it read cannot change before it writes, even if a second process opened the same file
//! (`busy_timeout` makes it wait instead of failing).

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::StoreError;

/// One connection, and the writes queued for its next commit.
pub(super) struct GroupCommit {
    conn: Arc<Mutex<Connection>>,
    queue: Arc<Queue>,
    commit_on: CommitOn,
}

/// The writes waiting for the next commit.
type Queue = Mutex<Vec<Box<dyn QueuedWrite>>>;

/// Where a queued write's commit runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CommitOn {
    /// On the task that queued it: in memory, a commit is shorter than a hand-off to another thread.
    Caller,
    /// On tokio's blocking threads: on a file, a commit writes to the WAL, and the async workers keep
    /// reading uploads meanwhile (measured: bench/README.md, "Where a commit runs").
    BlockingThread,
}

/// A write waiting for the next group commit.
trait QueuedWrite: Send {
    /// Runs the write inside the batch's transaction, in a savepoint of its own.
    fn run(&mut self, conn: &Connection);
    /// Tells the waiting request how its write ended, once the batch's commit is known.
    fn finish(self: Box<Self>, commit: &Result<(), StoreError>);
}

/// A queued write `F` answering `T`.
struct Write<T, F> {
    work: Option<F>,
    outcome: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> QueuedWrite for Write<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, conn: &Connection) {
        if let Some(work) = self.work.take() {
            self.outcome = Some(in_savepoint(conn, work));
        }
    }

    fn finish(self: Box<Self>, commit: &Result<(), StoreError>) {
        let answer = match (commit, self.outcome) {
            (Ok(()), Some(outcome)) => outcome,
            (Err(e), _) => Err(e.clone()),
            (Ok(()), None) => Err(StoreError::Backend("the write never ran".into())),
        };
        // The request may have gone (its client hung up): the write stands, like any committed one.
        let _ = self.reply.send(answer);
    }
}

/// Runs `work` in a savepoint, undoing what it wrote if it fails.
fn in_savepoint<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    run(conn, "SAVEPOINT write")?;
    match work(conn) {
        Ok(outcome) => run(conn, "RELEASE write").map(|()| outcome),
        Err(e) => {
            // If even the rollback fails, the batch's commit reports the state as it is.
            let _ = run(conn, "ROLLBACK TO write").and_then(|()| run(conn, "RELEASE write"));
            Err(e)
        }
    }
}

/// Runs one statement without parameters, prepared once per connection (parsing `BEGIN` or `SAVEPOINT`
/// for every request costs more than running it).
fn run(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut stmt| stmt.execute([]))
        .map(drop)
        .map_err(backend)
}

/// Commits `batch` in one `BEGIN IMMEDIATE` transaction and tells each write how it ended.
fn commit_batch(conn: &Connection, mut batch: Vec<Box<dyn QueuedWrite>>) {
    if !conn.is_autocommit() {
        // A batch that panicked left its transaction open: none of it was acknowledged, so undo it.
        let _ = run(conn, "ROLLBACK");
    }
    let commit = run(conn, "BEGIN IMMEDIATE").and_then(|()| {
        for write in &mut batch {
            write.run(conn);
        }
        run(conn, "COMMIT").inspect_err(|_| {
            let _ = run(conn, "ROLLBACK");
        })
    });
    for write in batch {
        write.finish(&commit);
    }
}

impl GroupCommit {
    /// Group-commits the writes on `conn`, committing on `commit_on`.
    pub(super) fn new(conn: Connection, commit_on: CommitOn) -> GroupCommit {
        GroupCommit {
            conn: Arc::new(Mutex::new(conn)),
            queue: Arc::new(Mutex::new(Vec::new())),
            commit_on,
        }
    }

    /// Runs `f` on the connection, then commits whatever was queued meanwhile.
    pub(super) fn with_conn<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        // A panic while holding the lock cannot leave half a write acknowledged: `execute_batch` and
        // `commit_batch` roll back a transaction left open, so a poisoned connection is still usable.
        let outcome = f(&self.conn.lock().unwrap_or_else(|p| p.into_inner()));
        commit_queued(&self.conn, &self.queue);
        outcome
    }

    /// Queues `work` for the next group commit and waits until it has been committed (or refused).
    pub(super) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        lock(&self.queue).push(Box::new(Write {
            work: Some(work),
            outcome: None,
            reply,
        }));
        match self.commit_on {
            CommitOn::Caller => commit_queued(&self.conn, &self.queue),
            CommitOn::BlockingThread => {
                let (conn, queue) = (Arc::clone(&self.conn), Arc::clone(&self.queue));
                // Not awaited: the answer comes through `reply` once the write's batch is committed.
                drop(tokio::task::spawn_blocking(move || {
                    commit_queued(&conn, &queue)
                }));
            }
        }
        answer
            .await
            .unwrap_or_else(|_| Err(StoreError::Backend("the write was dropped".into())))
    }
}

fn lock(queue: &Queue) -> MutexGuard<'_, Vec<Box<dyn QueuedWrite>>> {
    // Pushing to or taking a `Vec` cannot leave it half-changed.
    queue.lock().unwrap_or_else(|p| p.into_inner())
}

/// Commits the queued writes if the connection is free; if it is not, its holder will, once it lets go.
fn commit_queued(conn: &Mutex<Connection>, queue: &Queue) {
    loop {
        let conn = match conn.try_lock() {
            Ok(conn) => conn,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let batch = std::mem::take(&mut *lock(queue));
        if !batch.is_empty() {
            commit_batch(&conn, batch);
        }
        drop(conn);
        if lock(queue).is_empty() {
            return;
        }
    }
}

/// A storage failure, with SQLite's message.
pub(super) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group-committed in-memory database with one table of notes, committing on `commit_on`.
    fn notes_committed_on(commit_on: CommitOn) -> GroupCommit {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT NOT NULL)")
            .unwrap();
        GroupCommit::new(conn, commit_on)
    }

    fn notes() -> GroupCommit {
        notes_committed_on(CommitOn::Caller)
    }

    fn add_note(conn: &Connection, body: &str) -> Result<usize, StoreError> {
        conn.execute("INSERT INTO notes (body) VALUES (?1)", [body])
            .map_err(backend)
    }

    fn bodies(db: &GroupCommit) -> Vec<String> {
        db.with_conn(|conn| {
            let mut stmt = conn
                .prepare("SELECT body FROM notes ORDER BY rowid")
                .unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        })
    }

    #[tokio::test]
    async fn a_refused_write_undoes_only_itself_and_every_write_hears_its_outcome() {
        let db = notes();
        let (kept, kept_answer) = oneshot::channel();
        let (refused, refused_answer) = oneshot::channel();
        let batch: Vec<Box<dyn QueuedWrite>> = vec![
            Box::new(Write {
                work: Some(|conn: &Connection| add_note(conn, "kept")),
                outcome: None,
                reply: kept,
            }),
            Box::new(Write {
                work: Some(|conn: &Connection| -> Result<(), StoreError> {
                    add_note(conn, "undone")?;
                    Err(StoreError::Backend("refused after writing".into()))
                }),
                outcome: None,
                reply: refused,
            }),
        ];
        db.with_conn(|conn| commit_batch(conn, batch));
        assert_eq!(kept_answer.await.unwrap(), Ok(1));
        assert!(refused_answer.await.unwrap().is_err());
        assert_eq!(bodies(&db), ["kept"]);
    }

    #[tokio::test]
    async fn a_write_queued_while_the_connection_is_busy_is_committed_when_it_is_released() {
        use futures_util::FutureExt;
        let db = notes();
        let mut write = db.with_conn(|_| {
            let mut write = Box::pin(db.write(|conn| add_note(conn, "queued")));
            assert!(
                (&mut write).now_or_never().is_none(),
                "queued behind the busy connection"
            );
            write
        });
        assert_eq!((&mut write).now_or_never(), Some(Ok(1)));
        assert_eq!(bodies(&db), ["queued"]);
    }

    #[test]
    fn a_batch_left_open_by_a_panic_is_undone_by_the_next() {
        let db = notes();
        db.with_conn(|conn| {
            run(conn, "BEGIN IMMEDIATE").unwrap();
            add_note(conn, "never acknowledged").unwrap();
            commit_batch(conn, Vec::new());
        });
        assert!(bodies(&db).is_empty());
    }

    #[test]
    fn concurrent_writes_from_many_threads_are_each_committed_once() {
        for commit_on in [CommitOn::Caller, CommitOn::BlockingThread] {
            concurrent_writes_are_each_committed_once(commit_on);
        }
    }

    fn concurrent_writes_are_each_committed_once(commit_on: CommitOn) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        let db = std::sync::Arc::new(notes_committed_on(commit_on));
        let answers = runtime.block_on(async {
            let tasks: Vec<_> = (0..200)
                .map(|i| {
                    let db = db.clone();
                    tokio::spawn(async move {
                        db.write(move |conn| add_note(conn, &i.to_string())).await
                    })
                })
                .collect();
            futures_util::future::join_all(tasks).await
        });
        assert!(
            answers.iter().all(|a| matches!(a, Ok(Ok(1)))),
            "{commit_on:?}"
        );
        let mut written: Vec<u32> = bodies(&db).iter().map(|b| b.parse().unwrap()).collect();
        written.sort_unstable();
        assert_eq!(written, (0..200).collect::<Vec<_>>());
    }
}
