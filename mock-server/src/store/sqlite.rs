//! [`SqliteStore`]: the state in one SQLite database, through `rusqlite` (bundled SQLite).
//!
//! # Durability
//! A file database runs in WAL mode with `synchronous=NORMAL`: every commit is written to the WAL file
//! before `COMMIT` returns, and the handler answers only after its write was committed. So an acknowledged
//! clone is in the operating system's hands when the client sees it and survives the server's death,
//! `kill -9` included (`every_acknowledged_clone_survives_kill_9`). It does not wait for an fsync per
//! request: a power cut may lose the last commits (SQLite keeps the file consistent), which a fake's state
//! can afford, and the fsync cost three times the throughput of 100 KiB clones on a file (bench/README.md).
//!
//! # Concurrency and group commit
//! One connection behind a `std::sync::Mutex`; nothing awaits while it is held (clippy's
//! `await_holding_lock` guards that). The writes a request waits for ([`SqliteStore::create_voice`],
//! [`SqliteStore::retrain_voice`]) are queued, and whoever holds the
//! connection commits every queued write in one `BEGIN IMMEDIATE` transaction, each write in its own
//! savepoint (a refused write undoes only itself), and only then tells each request how its write ended.
//! Under concurrent load one commit serves many requests; alone, a request commits its own write at once.
//! No write is left behind: a request queues before it tries the connection, and whoever releases the
//! connection looks at the queue again afterwards.
//!
//! Each rule's read-check-write runs inside that transaction, which takes SQLite's write lock before the
//! read, so the count cannot change between the check and the write, even if a second process opened the
//! same file (`busy_timeout` makes it wait instead of failing).

use std::path::Path;
use std::sync::{Mutex, MutexGuard, TryLockError};

use rusqlite::{params, Connection, OptionalExtension, Row};
use tokio::sync::oneshot;

use super::{check_free_slot, check_retrain, new_voice_id, StoreError, Voice, VoiceSample};
use crate::rules::{AudioFormat, Language};

/// The schema; `user_version` tells a future version which one a file has.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS voices (
    voice_id       TEXT PRIMARY KEY,
    space_id       TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    name           TEXT NOT NULL,
    language       TEXT NOT NULL,
    preview_text   TEXT NOT NULL,
    text           TEXT,
    description    TEXT,
    audio_format   TEXT NOT NULL,
    duration_secs  REAL,
    clone_count    INTEGER NOT NULL,
    create_time    INTEGER NOT NULL,
    update_time    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS voices_by_space ON voices (space_id);
-- No index by account: the slot check reads the counter below (files before it had one).
DROP INDEX IF EXISTS voices_by_account;
-- Voices an account holds, kept by triggers so the slot check reads one row instead of counting them all.
CREATE TABLE IF NOT EXISTS account_voices (
    account_id  TEXT PRIMARY KEY,
    used        INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS account_voices_insert AFTER INSERT ON voices BEGIN
    INSERT INTO account_voices (account_id, used) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET used = used + 1;
END;
CREATE TRIGGER IF NOT EXISTS account_voices_delete AFTER DELETE ON voices BEGIN
    UPDATE account_voices SET used = used - 1 WHERE account_id = OLD.account_id;
END;
-- The request journal lives in memory since version 3; files before it kept one here.
DROP TABLE IF EXISTS journal;
CREATE TABLE IF NOT EXISTS seeds (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    body  TEXT NOT NULL
);
-- A file written before the counter existed: count once.
INSERT OR IGNORE INTO account_voices (account_id, used)
    SELECT account_id, COUNT(*) FROM voices GROUP BY account_id;
PRAGMA user_version = 3;
";

/// The columns of a voice, in [`voice_from_row`]'s order; a macro so statements are built at compile time.
macro_rules! voice_columns {
    () => {
        "voice_id, space_id, account_id, name, language, preview_text, text, description, audio_format, \
         duration_secs, clone_count, create_time, update_time"
    };
}

/// The values of a voice, in `voice_columns!`'s order.
macro_rules! voice_params {
    ($v:expr) => {
        params![
            $v.voice_id,
            $v.space_id,
            $v.account_id,
            $v.sample.name,
            $v.sample.language.code(),
            $v.sample.preview_text,
            $v.sample.text,
            $v.sample.description,
            $v.sample.audio_format.name(),
            $v.sample.duration_secs,
            $v.clone_count,
            $v.create_time,
            $v.update_time,
        ]
    };
}

/// `SELECT`s the voices matching `$filter`, newest first; the rowid breaks ties between voices created in
/// the same second.
macro_rules! select_voices_newest_first {
    ($filter:literal) => {
        concat!(
            "SELECT ",
            voice_columns!(),
            " FROM voices ",
            $filter,
            " ORDER BY create_time DESC, rowid DESC"
        )
    };
}

/// The state in SQLite, on a file or in memory, with group commit of the writes requests wait for.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    queue: Mutex<Vec<Box<dyn QueuedWrite>>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
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

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, in WAL mode with `synchronous=NORMAL`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Backend(format!("creating {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(backend)?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
            .map_err(backend)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        SqliteStore::with_schema(conn)
    }

    /// A fresh database in memory, gone when the store is dropped.
    pub fn in_memory() -> SqliteStore {
        // Opening an in-memory database and creating four tables only fails if SQLite cannot allocate.
        Connection::open_in_memory()
            .map_err(backend)
            .and_then(SqliteStore::with_schema)
            .expect("an in-memory SQLite database")
    }

    fn with_schema(conn: Connection) -> Result<SqliteStore, StoreError> {
        conn.execute_batch(SCHEMA).map_err(backend)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            queue: Mutex::new(Vec::new()),
        })
    }

    /// Runs `f` on the connection, then commits whatever was queued meanwhile.
    fn with_conn<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        // A panic while holding the lock cannot leave half a write acknowledged: `execute_batch` and
        // `commit_batch` roll back a transaction left open, so a poisoned connection is still usable.
        let outcome = f(&self.conn.lock().unwrap_or_else(|p| p.into_inner()));
        self.commit_queued();
        outcome
    }

    fn queue(&self) -> MutexGuard<'_, Vec<Box<dyn QueuedWrite>>> {
        // Pushing to or taking a `Vec` cannot leave it half-changed.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `work` for the next group commit and waits until it has been committed (or refused).
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.queue().push(Box::new(Write {
            work: Some(work),
            outcome: None,
            reply,
        }));
        self.commit_queued();
        answer
            .await
            .unwrap_or_else(|_| Err(StoreError::Backend("the write was dropped".into())))
    }

    /// Commits the queued writes if the connection is free; if it is not, its holder will, once it lets go.
    fn commit_queued(&self) {
        loop {
            let conn = match self.conn.try_lock() {
                Ok(conn) => conn,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => return,
            };
            let batch = std::mem::take(&mut *self.queue());
            if !batch.is_empty() {
                commit_batch(&conn, batch);
            }
            drop(conn);
            if self.queue().is_empty() {
                return;
            }
        }
    }
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn voice_from_row(row: &Row<'_>) -> rusqlite::Result<Voice> {
    let language: String = row.get(4)?;
    let audio_format: String = row.get(8)?;
    let corrupt = |what: &str, value: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("stored {what} {value:?} is not known").into(),
        )
    };
    Ok(Voice {
        voice_id: row.get(0)?,
        space_id: row.get(1)?,
        account_id: row.get(2)?,
        sample: VoiceSample {
            name: row.get(3)?,
            language: Language::from_code(&language)
                .ok_or_else(|| corrupt("language", &language))?,
            preview_text: row.get(5)?,
            text: row.get(6)?,
            description: row.get(7)?,
            audio_format: AudioFormat::from_name(&audio_format)
                .ok_or_else(|| corrupt("audio format", &audio_format))?,
            duration_secs: row.get(9)?,
        },
        clone_count: row.get(10)?,
        create_time: row.get(11)?,
        update_time: row.get(12)?,
    })
}

/// Inserts or updates a voice. An upsert, not `INSERT OR REPLACE`: a replace deletes the old row without
/// firing the delete trigger, which would count a retrained voice twice in `account_voices`.
fn write_voice(conn: &Connection, v: &Voice) -> rusqlite::Result<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO voices (",
        voice_columns!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (voice_id) DO UPDATE SET space_id = excluded.space_id,
             account_id = excluded.account_id, name = excluded.name, language = excluded.language,
             preview_text = excluded.preview_text, text = excluded.text,
             description = excluded.description, audio_format = excluded.audio_format,
             duration_secs = excluded.duration_secs, clone_count = excluded.clone_count,
             create_time = excluded.create_time, update_time = excluded.update_time"
    ))?
    .execute(voice_params!(v))?;
    Ok(())
}

/// Inserts a new voice unless its id is taken; whether it was inserted. One statement instead of a
/// look-up and an insert: a random 19-digit id is almost never taken.
fn insert_new_voice(conn: &Connection, v: &Voice) -> rusqlite::Result<bool> {
    let inserted = conn
        .prepare_cached(concat!(
            "INSERT INTO voices (",
            voice_columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (voice_id) DO NOTHING"
        ))?
        .execute(voice_params!(v))?;
    Ok(inserted == 1)
}

fn query_voices(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Voice>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let voices = stmt
        .query_map(args, voice_from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(voices)
}

fn find_voice(conn: &Connection, voice_id: &str) -> rusqlite::Result<Option<Voice>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        voice_columns!(),
        " FROM voices WHERE voice_id = ?1"
    ))?
    .query_row([voice_id], voice_from_row)
    .optional()
}

impl SqliteStore {
    /// Creates a voice in `space_id` if `account_id` holds fewer than `slots` voices.
    pub async fn create_voice(
        &self,
        account_id: &str,
        space_id: &str,
        slots: u32,
        sample: VoiceSample,
        now: i64,
    ) -> Result<Voice, StoreError> {
        let (account_id, space_id) = (account_id.to_owned(), space_id.to_owned());
        self.write(move |conn| {
            let used: u32 = conn
                .prepare_cached("SELECT used FROM account_voices WHERE account_id = ?1")
                .and_then(|mut stmt| stmt.query_row([&account_id], |r| r.get(0)).optional())
                .map_err(backend)?
                .unwrap_or(0);
            check_free_slot(used, slots)?;
            let mut voice = Voice {
                voice_id: new_voice_id(),
                space_id,
                account_id,
                sample,
                clone_count: 1,
                create_time: now,
                update_time: now,
            };
            while !insert_new_voice(conn, &voice).map_err(backend)? {
                voice.voice_id = new_voice_id();
            }
            Ok(voice)
        })
        .await
    }

    /// Retrains voice `voice_id` of `space_id`: replaces its sample and counts one clone, keeping the id.
    pub async fn retrain_voice(
        &self,
        space_id: &str,
        voice_id: &str,
        sample: VoiceSample,
        now: i64,
    ) -> Result<Voice, StoreError> {
        let (space_id, voice_id) = (space_id.to_owned(), voice_id.to_owned());
        self.write(move |conn| {
            let mut voice = find_voice(conn, &voice_id)
                .map_err(backend)?
                .filter(|v| v.space_id == space_id)
                .ok_or(StoreError::VoiceNotFound { voice_id, space_id })?;
            check_retrain(&voice)?;
            voice.clone_count += 1;
            voice.sample = sample;
            voice.update_time = now;
            write_voice(conn, &voice).map_err(backend)?;
            Ok(voice)
        })
        .await
    }

    /// The voice `voice_id` if it lives in `space_id`.
    pub fn voice(&self, space_id: &str, voice_id: &str) -> Result<Option<Voice>, StoreError> {
        Ok(self
            .voice_anywhere(voice_id)?
            .filter(|v| v.space_id == space_id))
    }

    /// The voice `voice_id`, whatever its workspace (to tell "unknown" from "another workspace's").
    pub fn voice_anywhere(&self, voice_id: &str) -> Result<Option<Voice>, StoreError> {
        self.with_conn(|conn| find_voice(conn, voice_id).map_err(backend))
    }

    /// Every voice of `space_id`, newest first.
    pub fn voices(&self, space_id: &str) -> Result<Vec<Voice>, StoreError> {
        self.with_conn(|conn| {
            let sql = select_voices_newest_first!("WHERE space_id = ?1");
            query_voices(conn, sql, [space_id])
        })
    }

    /// Every voice of every workspace, newest first (admin inspection).
    pub fn all_voices(&self) -> Result<Vec<Voice>, StoreError> {
        self.with_conn(|conn| query_voices(conn, select_voices_newest_first!(""), []))
    }

    /// Writes `voice` as it is, replacing any voice of that id: admin seeding, which bypasses the rules.
    pub fn put_voice(&self, voice: &Voice) -> Result<(), StoreError> {
        self.with_conn(|conn| write_voice(conn, voice).map_err(backend))
    }

    /// Admin seeds applied so far (JSON documents, oldest first), replayed over the configuration at start.
    pub fn seeds(&self) -> Result<Vec<String>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT body FROM seeds ORDER BY id")
                .map_err(backend)?;
            let seeds = stmt
                .query_map([], |r| r.get(0))
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<String>>>()
                .map_err(backend)?;
            Ok(seeds)
        })
    }

    /// Records one more admin seed.
    pub fn add_seed(&self, seed_json: &str) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            conn.execute("INSERT INTO seeds (body) VALUES (?1)", [seed_json])
                .map(drop)
                .map_err(backend)
        })
    }

    /// Forgets every voice and seed: back to the configured state.
    pub fn reset(&self) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            conn.execute_batch(
                "BEGIN IMMEDIATE; DELETE FROM voices; DELETE FROM account_voices; DELETE FROM seeds;
                 DELETE FROM sqlite_sequence; COMMIT;",
            )
            .map_err(backend)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::CLONES_PER_VOICE_ID;

    fn sample() -> VoiceSample {
        VoiceSample {
            name: "jay".into(),
            language: Language::Zh,
            preview_text: "hi".into(),
            text: None,
            description: None,
            audio_format: AudioFormat::Wav,
            duration_secs: Some(12.0),
        }
    }

    #[tokio::test]
    async fn the_eleventh_clone_of_a_voice_id_is_refused() {
        let store = SqliteStore::in_memory();
        let v = store.create_voice("a", "1", 1, sample(), 0).await.unwrap();
        for n in 2..=CLONES_PER_VOICE_ID {
            let r = store
                .retrain_voice("1", &v.voice_id, sample(), n.into())
                .await
                .unwrap();
            assert_eq!(r.clone_count, n);
            assert_eq!(r.voice_id, v.voice_id);
            assert_eq!(r.create_time, 0, "a retrain keeps the creation time");
        }
        assert_eq!(
            store.retrain_voice("1", &v.voice_id, sample(), 11).await,
            Err(StoreError::CloneLimitReached(v.voice_id.clone()))
        );
    }

    #[tokio::test]
    async fn slots_are_counted_across_the_accounts_workspaces() {
        let store = SqliteStore::in_memory();
        store.create_voice("a", "1", 2, sample(), 0).await.unwrap();
        store.create_voice("a", "2", 2, sample(), 0).await.unwrap();
        assert_eq!(
            store.create_voice("a", "1", 2, sample(), 0).await,
            Err(StoreError::NoVoiceSlots { used: 2, total: 2 })
        );
        assert!(store.create_voice("b", "3", 2, sample(), 0).await.is_ok());
    }

    #[tokio::test]
    async fn retrains_and_rewrites_of_a_voice_do_not_take_more_slots() {
        let store = SqliteStore::in_memory();
        let v = store.create_voice("a", "1", 2, sample(), 0).await.unwrap();
        for n in 1..4 {
            store
                .retrain_voice("1", &v.voice_id, sample(), n)
                .await
                .unwrap();
        }
        store.put_voice(&v).unwrap();
        store.create_voice("a", "1", 2, sample(), 5).await.unwrap();
        assert_eq!(
            store.create_voice("a", "1", 2, sample(), 6).await,
            Err(StoreError::NoVoiceSlots { used: 2, total: 2 })
        );
        store.reset().unwrap();
        assert!(store.create_voice("a", "1", 1, sample(), 7).await.is_ok());
    }

    #[tokio::test]
    async fn a_file_written_before_the_slot_counter_is_counted_once_on_opening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let store = SqliteStore::open(&path).unwrap();
            store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
            store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
            store.with_conn(|conn| {
                conn.execute_batch(
                    "DROP TABLE account_voices; DROP TRIGGER account_voices_insert;",
                )
                .unwrap();
            });
        }
        let store = SqliteStore::open(&path).unwrap();
        store.create_voice("a", "1", 3, sample(), 0).await.unwrap();
        assert_eq!(
            store.create_voice("a", "1", 3, sample(), 0).await,
            Err(StoreError::NoVoiceSlots { used: 3, total: 3 })
        );
    }

    #[tokio::test]
    async fn a_file_that_still_has_a_journal_table_loses_it_and_keeps_its_voices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE voices (voice_id TEXT PRIMARY KEY, space_id TEXT NOT NULL,
                     account_id TEXT NOT NULL, name TEXT NOT NULL, language TEXT NOT NULL,
                     preview_text TEXT NOT NULL, text TEXT, description TEXT,
                     audio_format TEXT NOT NULL, duration_secs REAL, clone_count INTEGER NOT NULL,
                     create_time INTEGER NOT NULL, update_time INTEGER NOT NULL);
                 CREATE TABLE journal (id INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL,
                     method TEXT NOT NULL, path TEXT NOT NULL, query TEXT, account TEXT,
                     status INTEGER NOT NULL, code INTEGER, rule TEXT, verdict TEXT NOT NULL, logid TEXT);
                 CREATE TABLE seeds (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
                 INSERT INTO voices VALUES ('7000000000000000001', '1', 'a', 'old', 'zh', 'hi', NULL,
                     NULL, 'wav', NULL, 1, 5, 5);
                 INSERT INTO journal (time_ms, method, path, status, verdict)
                     VALUES (1, 'GET', '/v1/audio/voices', 200, 'accepted');
                 PRAGMA user_version = 2;",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        store.with_conn(|conn| {
            let version: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(version, 3);
            let journals: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'journal'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(journals, 0, "the journal table is dropped");
        });
        let voices = store.voices("1").unwrap();
        assert_eq!(voices.len(), 1);
        assert_eq!(voices[0].sample.name, "old");
        assert_eq!(
            store.create_voice("a", "1", 1, sample(), 6).await,
            Err(StoreError::NoVoiceSlots { used: 1, total: 1 }),
            "the old voice is counted"
        );
    }

    #[tokio::test]
    async fn a_voice_is_invisible_from_another_workspace() {
        let store = SqliteStore::in_memory();
        let v = store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
        assert_eq!(store.voice("2", &v.voice_id), Ok(None));
        assert!(matches!(
            store.retrain_voice("2", &v.voice_id, sample(), 1).await,
            Err(StoreError::VoiceNotFound { .. })
        ));
        assert!(store.voices("2").unwrap().is_empty());
        assert_eq!(store.voice_anywhere(&v.voice_id).unwrap(), Some(v));
    }

    #[tokio::test]
    async fn voices_are_listed_newest_first() {
        let store = SqliteStore::in_memory();
        let old = store.create_voice("a", "1", 5, sample(), 10).await.unwrap();
        let new = store.create_voice("a", "1", 5, sample(), 20).await.unwrap();
        let ids: Vec<_> = store
            .voices("1")
            .unwrap()
            .into_iter()
            .map(|v| v.voice_id)
            .collect();
        assert_eq!(ids, [new.voice_id, old.voice_id]);
    }

    #[tokio::test]
    async fn a_file_database_keeps_voices_and_seeds_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/state.db");
        let voice = {
            let store = SqliteStore::open(&path).unwrap();
            store.add_seed("{}").unwrap();
            store.create_voice("a", "1", 5, sample(), 0).await.unwrap()
        };
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.voices("1").unwrap(), [voice]);
        assert_eq!(store.seeds().unwrap(), ["{}"]);
    }

    #[tokio::test]
    async fn two_stores_on_one_file_share_the_slot_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let (a, b) = (
            SqliteStore::open(&path).unwrap(),
            SqliteStore::open(&path).unwrap(),
        );
        a.create_voice("acct", "1", 1, sample(), 0).await.unwrap();
        assert_eq!(
            b.create_voice("acct", "1", 1, sample(), 0).await,
            Err(StoreError::NoVoiceSlots { used: 1, total: 1 })
        );
    }

    #[tokio::test]
    async fn reset_forgets_every_voice_and_seed() {
        let store = SqliteStore::in_memory();
        store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
        store.add_seed("{}").unwrap();
        store.reset().unwrap();
        assert!(store.all_voices().unwrap().is_empty());
        assert!(store.seeds().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_refused_write_undoes_only_itself_and_every_write_hears_its_outcome() {
        let store = SqliteStore::in_memory();
        let (kept, kept_answer) = oneshot::channel();
        let (refused, refused_answer) = oneshot::channel();
        let batch: Vec<Box<dyn QueuedWrite>> = vec![
            Box::new(Write {
                work: Some(|conn: &Connection| {
                    conn.execute("INSERT INTO seeds (body) VALUES ('kept')", [])
                        .map_err(backend)
                }),
                outcome: None,
                reply: kept,
            }),
            Box::new(Write {
                work: Some(|conn: &Connection| -> Result<(), StoreError> {
                    conn.execute("INSERT INTO seeds (body) VALUES ('undone')", [])
                        .map_err(backend)?;
                    Err(StoreError::Backend("refused after writing".into()))
                }),
                outcome: None,
                reply: refused,
            }),
        ];
        commit_batch(&store.conn.lock().unwrap(), batch);
        assert_eq!(kept_answer.await.unwrap(), Ok(1));
        assert!(refused_answer.await.unwrap().is_err());
        assert_eq!(store.seeds().unwrap(), ["kept"]);
    }

    #[tokio::test]
    async fn a_write_queued_while_the_connection_is_busy_is_committed_when_it_is_released() {
        use futures_util::FutureExt;
        let store = SqliteStore::in_memory();
        let mut write = store.with_conn(|_| {
            let mut write = Box::pin(store.create_voice("a", "1", 5, sample(), 0));
            assert!(
                (&mut write).now_or_never().is_none(),
                "queued behind the busy connection"
            );
            write
        });
        let created = (&mut write)
            .now_or_never()
            .expect("committed on release")
            .unwrap();
        assert_eq!(store.voices("1").unwrap(), [created]);
    }

    #[test]
    fn concurrent_clones_from_many_threads_take_exactly_the_free_slots() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        let store = std::sync::Arc::new(SqliteStore::in_memory());
        let outcomes = runtime.block_on(async {
            let tasks: Vec<_> = (0..200)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        let other = store.create_voice("b", "2", 200, sample(), i);
                        let clone = store.create_voice("a", "1", 50, sample(), i);
                        let (other, clone) = tokio::join!(other, clone);
                        other.unwrap();
                        clone
                    })
                })
                .collect();
            futures_util::future::join_all(tasks).await
        });
        let created = outcomes.iter().filter(|o| matches!(o, Ok(Ok(_)))).count();
        let refused = outcomes
            .iter()
            .filter(|o| {
                matches!(
                    o,
                    Ok(Err(StoreError::NoVoiceSlots {
                        used: 50,
                        total: 50
                    }))
                )
            })
            .count();
        assert_eq!((created, refused), (50, 150));
        assert_eq!(store.voices("1").unwrap().len(), 50);
        assert_eq!(store.voices("2").unwrap().len(), 200);
    }

    #[tokio::test]
    async fn a_new_voice_never_takes_an_id_in_use() {
        let store = SqliteStore::in_memory();
        let first = store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
        let mut twin = first.clone();
        twin.space_id = "2".into();
        store.with_conn(|conn| {
            assert!(!insert_new_voice(conn, &twin).unwrap(), "the id is taken");
            twin.voice_id = "7000000000000000001".into();
            assert!(insert_new_voice(conn, &twin).unwrap());
        });
        assert_eq!(store.voice_anywhere(&first.voice_id).unwrap(), Some(first));
    }

    #[test]
    fn a_batch_left_open_by_a_panic_is_undone_by_the_next() {
        let store = SqliteStore::in_memory();
        store.with_conn(|conn| {
            run(conn, "BEGIN IMMEDIATE").unwrap();
            run(
                conn,
                "INSERT INTO seeds (body) VALUES ('never acknowledged')",
            )
            .unwrap();
            commit_batch(conn, Vec::new());
        });
        assert!(store.seeds().unwrap().is_empty());
    }
}
