use reqwest::multipart::{Form, Part};

use super::answer::Answer;
use super::api::Api;
use super::wav::wav;

/// A clone request being built: the token, the text fields in order, then the file parts.
#[derive(Clone)]
pub(crate) struct CloneForm {
    pub(crate) token: Option<String>,
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) files: Vec<(String, Vec<u8>, Option<String>)>,
    /// Headers sent besides the token's.
    pub(crate) headers: Vec<(String, String)>,
}

impl CloneForm {
    /// A valid request for `token`: voice_name "jay", a 12 s WAV (inside the page's 10-30 s).
    pub(crate) fn valid(token: &str) -> CloneForm {
        CloneForm {
            token: Some(token.into()),
            fields: vec![("voice_name".into(), "jay".into())],
            files: vec![("file".into(), wav(12.0, 24_000), Some("jay.wav".into()))],
            headers: Vec::new(),
        }
    }

    pub(crate) fn token(mut self, token: &str) -> Self {
        self.token = Some(token.into());
        self
    }

    pub(crate) fn no_token(mut self) -> Self {
        self.token = None;
        self
    }

    /// Sets a field, replacing an earlier value.
    pub(crate) fn field(mut self, name: &str, value: &str) -> Self {
        self.fields.retain(|(n, _)| n != name);
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Sets a field when `value` is given.
    pub(crate) fn field_if(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.field(name, v),
            None => self,
        }
    }

    /// Adds a field even if it is already there.
    pub(crate) fn extra_field(mut self, name: &str, value: &str) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Leaves out every field and file part named `name`.
    pub(crate) fn without(mut self, name: &str) -> Self {
        self.fields.retain(|(n, _)| n != name);
        self.files.retain(|(n, _, _)| n != name);
        self
    }

    /// Sends a header too.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the file parts with one `file` part.
    pub(crate) fn file(mut self, bytes: Vec<u8>, filename: Option<&str>) -> Self {
        self.files = vec![("file".into(), bytes, filename.map(str::to_owned))];
        self
    }

    /// Adds a file part.
    pub(crate) fn extra_file(mut self, name: &str, bytes: Vec<u8>, filename: &str) -> Self {
        self.files.push((name.into(), bytes, Some(filename.into())));
        self
    }

    /// Sends it to `api`'s server, as reqwest puts a form on the wire.
    pub(crate) async fn send(self, api: &Api) -> Answer {
        let mut form = Form::new();
        for (name, value) in self.fields {
            form = form.text(name, value);
        }
        for (name, bytes, filename) in self.files {
            let mut part = Part::bytes(bytes);
            if let Some(f) = filename {
                part = part.file_name(f);
            }
            form = form.part(name, part);
        }
        let mut request = api
            .http
            .post(api.url("/v1/audio/voices/clone"))
            .multipart(form);
        if let Some(token) = self.token {
            request = request.bearer_auth(token);
        }
        for (name, value) in self.headers {
            request = request.header(name, value);
        }
        Answer::read(request.send().await.expect("request sent")).await
    }
}
