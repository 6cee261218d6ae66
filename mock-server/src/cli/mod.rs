//! The subcommands of the `coze-mock` binary.

pub(crate) mod addr;
pub(crate) mod asyncapi;
pub(crate) mod check_config;
pub(crate) mod drift;
pub(crate) mod fidelity;
pub(crate) mod openapi;
pub(crate) mod proxy;
pub(crate) mod serve;
pub(crate) mod switch;
pub(crate) mod tls;
pub(crate) mod wait;
