/// The default configuration's token.
pub(crate) const TOKEN: &str = coze_mock::config::DEFAULT_TOKEN;
/// The default configuration's personal workspace.
pub(crate) const SPACE: &str = coze_mock::config::DEFAULT_SPACE_ID;
/// A system voice of the default configuration.
pub(crate) const SYSTEM_VOICE: &str = "7426720361732915209";
