-- Sessions of the administrators' web dashboard (/admin, docs/dashboard.md). The cookie holds a
-- random 32-byte session id; only its SHA-256 hash is stored, so a copy of this table opens no
-- session. A session lasts at most 8 hours from login (expires_at) and ends after 60 minutes
-- without a request (last_seen_at); it dies with its API key (revoked or expired keys are checked
-- on every request, and deleting a key deletes its sessions).
CREATE TABLE IF NOT EXISTS admin_sessions (
  id_hash      text PRIMARY KEY,                 -- hex SHA-256 of the session id in the cookie
  key_id       text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,                    -- hidden field every POST of the dashboard must carry
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_sessions_key ON admin_sessions (key_id);
CREATE INDEX IF NOT EXISTS admin_sessions_expires ON admin_sessions (expires_at);
