//! The voices table: a clone, a retrain and the slot check, each one group-committed write; the
//! look-ups and lists.

use rusqlite::types::ToSql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::group_commit::backend;
use super::{
    check_free_slot, check_retrain, new_voice_id, SqliteStore, StoreError, Voice, VoiceSample,
};
use crate::rules::{AudioFormat, Language};

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

/// Each workspace once, in a stable order (so one statement is prepared per number of workspaces).
fn distinct(spaces: &[String]) -> Vec<&String> {
    let mut spaces: Vec<_> = spaces.iter().collect();
    spaces.sort_unstable();
    spaces.dedup();
    spaces
}

/// The keys (`create_time`, rowid) of a page of the voices of `spaces` workspaces (`?1` … `?spaces`),
/// newest first, then `LIMIT ?spaces+1 OFFSET ?spaces+2`. One ordered range of the index per workspace,
/// which SQLite merges (`MERGE (UNION ALL)`) instead of sorting.
fn page_keys_sql(spaces: usize) -> String {
    let ranges: Vec<_> = (1..=spaces)
        .map(|i| format!("SELECT create_time, rowid FROM voices WHERE space_id = ?{i}"))
        .collect();
    format!(
        "{} ORDER BY 1 DESC, 2 DESC LIMIT ?{} OFFSET ?{}",
        ranges.join(" UNION ALL "),
        spaces + 1,
        spaces + 2
    )
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
        self.db
            .write(move |conn| {
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
        self.db
            .write(move |conn| {
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
        self.db
            .with_conn(|conn| find_voice(conn, voice_id).map_err(backend))
    }

    /// A page of the voices of `spaces`, newest first: `limit` of them after skipping `offset`. Ties within
    /// a second go to the later clone (the higher rowid).
    ///
    /// The page's keys come from the index `voices_by_space_newest` alone (one ordered range per
    /// workspace, merged), and only the page's rows are read: a page costs the same whatever the
    /// workspaces hold after it, and skipping `offset` voices walks index entries only.
    pub fn voice_page(
        &self,
        spaces: &[String],
        offset: u64,
        limit: u32,
    ) -> Result<Vec<Voice>, StoreError> {
        let spaces = distinct(spaces);
        if spaces.is_empty() {
            return Ok(Vec::new());
        }
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        self.db.with_conn(|conn| {
            let mut keys = conn
                .prepare_cached(&page_keys_sql(spaces.len()))
                .map_err(backend)?;
            let mut args: Vec<&dyn ToSql> = spaces.iter().map(|s| s as &dyn ToSql).collect();
            args.extend([&limit as &dyn ToSql, &offset]);
            let rowids = keys
                .query_map(params_from_iter(args), |r| r.get::<_, i64>(1))
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            let mut row = conn
                .prepare_cached(concat!(
                    "SELECT ",
                    voice_columns!(),
                    " FROM voices WHERE rowid = ?1"
                ))
                .map_err(backend)?;
            rowids
                .into_iter()
                .map(|rowid| row.query_row([rowid], voice_from_row).map_err(backend))
                .collect()
        })
    }

    /// How many voices `spaces` hold, counted on the index.
    pub fn voice_count(&self, spaces: &[String]) -> Result<u64, StoreError> {
        self.db.with_conn(|conn| {
            let mut count = conn
                .prepare_cached("SELECT COUNT(*) FROM voices WHERE space_id = ?1")
                .map_err(backend)?;
            distinct(spaces).into_iter().try_fold(0u64, |total, space| {
                let n: u64 = count.query_row([space], |r| r.get(0)).map_err(backend)?;
                Ok(total + n)
            })
        })
    }

    /// Every voice of every workspace, newest first (admin inspection).
    pub fn all_voices(&self) -> Result<Vec<Voice>, StoreError> {
        self.db.with_conn(|conn| {
            let sql = concat!(
                "SELECT ",
                voice_columns!(),
                " FROM voices ORDER BY create_time DESC, rowid DESC"
            );
            query_voices(conn, sql, [])
        })
    }

    /// Gives voice `from` the id `to` (the proxy's shadow taking the id the real API gave); if `to` is
    /// already a voice, `from` is removed instead.
    pub fn rename_voice(&self, from: &str, to: &str) -> Result<(), StoreError> {
        self.db.with_conn(|conn| {
            if find_voice(conn, to).map_err(backend)?.is_some() {
                conn.execute("DELETE FROM voices WHERE voice_id = ?1", [from])
            } else {
                conn.execute(
                    "UPDATE voices SET voice_id = ?2 WHERE voice_id = ?1",
                    [from, to],
                )
            }
            .map(drop)
            .map_err(backend)
        })
    }

    /// Writes `voice` as it is, replacing any voice of that id: admin seeding, which bypasses the rules.
    pub fn put_voice(&self, voice: &Voice) -> Result<(), StoreError> {
        self.db
            .with_conn(|conn| write_voice(conn, voice).map_err(backend))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::CLONES_PER_VOICE_ID;
    use crate::store::tests::{sample, voices_of};

    #[tokio::test]
    async fn a_renamed_voice_keeps_its_clones_and_slot() {
        let store = SqliteStore::in_memory();
        let v = store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
        store
            .rename_voice(&v.voice_id, "7000000000000000042")
            .unwrap();
        assert!(store.voice_anywhere(&v.voice_id).unwrap().is_none());
        let renamed = store
            .voice_anywhere("7000000000000000042")
            .unwrap()
            .unwrap();
        assert_eq!((renamed.clone_count, renamed.space_id.as_str()), (1, "1"));
        let other = store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
        store
            .rename_voice(&other.voice_id, "7000000000000000042")
            .unwrap();
        assert_eq!(
            store.all_voices().unwrap().len(),
            1,
            "an id already taken: the copy goes"
        );
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
    async fn a_voice_is_invisible_from_another_workspace() {
        let store = SqliteStore::in_memory();
        let v = store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
        assert_eq!(store.voice("2", &v.voice_id), Ok(None));
        assert!(matches!(
            store.retrain_voice("2", &v.voice_id, sample(), 1).await,
            Err(StoreError::VoiceNotFound { .. })
        ));
        assert!(voices_of(&store, "2").is_empty());
        assert_eq!(store.voice_anywhere(&v.voice_id).unwrap(), Some(v));
    }

    fn ids(voices: Vec<Voice>) -> Vec<String> {
        voices.into_iter().map(|v| v.voice_id).collect()
    }

    #[tokio::test]
    async fn voices_are_listed_newest_first_and_the_later_clone_first_within_a_second() {
        let store = SqliteStore::in_memory();
        let old = store.create_voice("a", "1", 5, sample(), 10).await.unwrap();
        let new = store.create_voice("a", "1", 5, sample(), 20).await.unwrap();
        let later = store.create_voice("a", "1", 5, sample(), 20).await.unwrap();
        assert_eq!(
            ids(voices_of(&store, "1")),
            [later.voice_id, new.voice_id, old.voice_id]
        );
    }

    #[tokio::test]
    async fn pages_of_several_workspaces_interleave_by_time_and_skip_exactly_offset() {
        let store = SqliteStore::in_memory();
        let mut made = Vec::new();
        for (time, space) in [(1, "1"), (2, "2"), (3, "1"), (4, "3"), (5, "2"), (6, "1")] {
            made.push(
                store
                    .create_voice("a", space, 10, sample(), time)
                    .await
                    .unwrap(),
            );
        }
        let spaces = ["2".to_owned(), "1".to_owned(), "2".to_owned()];
        let newest_first: Vec<_> = made
            .iter()
            .rev()
            .filter(|v| v.space_id != "3")
            .map(|v| v.voice_id.clone())
            .collect();
        assert_eq!(
            ids(store.voice_page(&spaces, 0, 100).unwrap()),
            newest_first
        );
        assert_eq!(
            ids(store.voice_page(&spaces, 1, 2).unwrap()),
            newest_first[1..3]
        );
        assert!(store.voice_page(&spaces, 5, 2).unwrap().is_empty());
        assert!(store.voice_page(&[], 0, 2).unwrap().is_empty());
        assert_eq!(store.voice_count(&spaces).unwrap(), 5);
        assert_eq!(store.voice_count(&["3".to_owned()]).unwrap(), 1);
    }

    /// The plan SQLite chooses for `sql`, one step a line.
    fn plan(store: &SqliteStore, sql: &str) -> String {
        store.db.with_conn(|conn| {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            // The plan is made when the statement is prepared, whatever the parameters are bound to.
            let unbound = vec![rusqlite::types::Null; stmt.parameter_count()];
            let steps = stmt
                .query_map(params_from_iter(unbound), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap();
            steps.join("\n")
        })
    }

    #[test]
    fn a_page_reads_the_index_in_order_without_scanning_or_sorting() {
        let store = SqliteStore::in_memory();
        for spaces in 1..=3 {
            let plan = plan(&store, &page_keys_sql(spaces));
            assert_eq!(
                plan.matches(
                    "SEARCH voices USING COVERING INDEX voices_by_space_newest (space_id=?)"
                )
                .count(),
                spaces,
                "{plan}"
            );
            assert!(
                !plan.contains("SCAN") && !plan.contains("TEMP B-TREE"),
                "{plan}"
            );
        }
        let count = plan(&store, "SELECT COUNT(*) FROM voices WHERE space_id = ?1");
        assert!(
            count.contains("COVERING INDEX voices_by_space_newest"),
            "{count}"
        );
        let row = plan(
            &store,
            concat!("SELECT ", voice_columns!(), " FROM voices WHERE rowid = ?1"),
        );
        assert!(row.contains("INTEGER PRIMARY KEY (rowid=?)"), "{row}");
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
        assert_eq!(voices_of(&store, "1").len(), 50);
        assert_eq!(voices_of(&store, "2").len(), 200);
    }

    #[tokio::test]
    async fn a_new_voice_never_takes_an_id_in_use() {
        let store = SqliteStore::in_memory();
        let first = store.create_voice("a", "1", 5, sample(), 0).await.unwrap();
        let mut twin = first.clone();
        twin.space_id = "2".into();
        store.db.with_conn(|conn| {
            assert!(!insert_new_voice(conn, &twin).unwrap(), "the id is taken");
            twin.voice_id = "7000000000000000001".into();
            assert!(insert_new_voice(conn, &twin).unwrap());
        });
        assert_eq!(store.voice_anywhere(&first.voice_id).unwrap(), Some(first));
    }
}
