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
//! # Concurrency
//! Every statement runs on one connection; the writes requests wait for ([`SqliteStore::create_voice`],
//! [`SqliteStore::retrain_voice`]) are group-committed (see `group_commit.rs`), and each rule's
//! read-check-write runs inside that one transaction.

use std::path::Path;

use rusqlite::Connection;

use super::group_commit::{backend, CommitOn, GroupCommit};
use super::StoreError;

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
-- A workspace's voices in list order: newest first is this index read backwards (the rowid, which
-- breaks ties, is every index's last column). Files before version 4 had one on space_id alone.
DROP INDEX IF EXISTS voices_by_space;
CREATE INDEX IF NOT EXISTS voices_by_space_newest ON voices (space_id, create_time);
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
PRAGMA user_version = 4;
";

/// The state in SQLite, on a file or in memory, with group commit of the writes requests wait for.
pub struct SqliteStore {
    /// The connection, and the writes queued for its next commit.
    pub(super) db: GroupCommit,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
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
        SqliteStore::with_schema(conn, CommitOn::BlockingThread)
    }

    /// A fresh database in memory, gone when the store is dropped.
    pub fn in_memory() -> SqliteStore {
        // Opening an in-memory database and creating four tables only fails if SQLite cannot allocate.
        Connection::open_in_memory()
            .map_err(backend)
            .and_then(|conn| SqliteStore::with_schema(conn, CommitOn::Caller))
            .expect("an in-memory SQLite database")
    }

    fn with_schema(conn: Connection, commit_on: CommitOn) -> Result<SqliteStore, StoreError> {
        conn.execute_batch(SCHEMA).map_err(backend)?;
        Ok(SqliteStore {
            db: GroupCommit::new(conn, commit_on),
        })
    }

    /// Forgets every voice and seed: back to the configured state.
    pub fn reset(&self) -> Result<(), StoreError> {
        self.db.with_conn(|conn| {
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
    use crate::store::tests::{sample, voices_of};

    #[tokio::test]
    async fn a_file_written_before_the_slot_counter_is_counted_once_on_opening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let store = SqliteStore::open(&path).unwrap();
            store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
            store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
            store.db.with_conn(|conn| {
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
        store.db.with_conn(|conn| {
            let version: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(version, 4);
            let journals: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'journal'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(journals, 0, "the journal table is dropped");
        });
        let voices = voices_of(&store, "1");
        assert_eq!(voices.len(), 1);
        assert_eq!(voices[0].sample.name, "old");
        assert_eq!(
            store.create_voice("a", "1", 1, sample(), 6).await,
            Err(StoreError::NoVoiceSlots { used: 1, total: 1 }),
            "the old voice is counted"
        );
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
        assert_eq!(voices_of(&store, "1"), [voice]);
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
}
