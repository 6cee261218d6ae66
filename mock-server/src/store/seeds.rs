//! The seeds table: admin seeds, kept so they survive restarts, replayed over the configuration at start.

use super::group_commit::backend;
use super::SqliteStore;
use super::StoreError;

impl SqliteStore {
    /// Admin seeds applied so far (JSON documents, oldest first), replayed over the configuration at start.
    pub fn seeds(&self) -> Result<Vec<String>, StoreError> {
        self.db.with_conn(|conn| {
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
        self.db.with_conn(|conn| {
            conn.execute("INSERT INTO seeds (body) VALUES (?1)", [seed_json])
                .map(drop)
                .map_err(backend)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_come_back_oldest_first() {
        let store = SqliteStore::in_memory();
        for seed in ["{\"a\":1}", "{\"b\":2}", "{}"] {
            store.add_seed(seed).unwrap();
        }
        assert_eq!(store.seeds().unwrap(), ["{\"a\":1}", "{\"b\":2}", "{}"]);
    }
}
