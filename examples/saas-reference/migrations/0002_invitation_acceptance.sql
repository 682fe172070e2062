-- Invitation acceptance: each invitation carries a random token (sent in the invitation email,
-- stored only as its SHA-256), an expiry, and who accepted it when. A token works once.
-- Every key and foreign key starts with tenant_id, so the table still distributes on Citus.
ALTER TABLE invitations
    ADD COLUMN token_hash   text,
    ADD COLUMN expires_at   timestamptz NOT NULL DEFAULT now() + interval '7 days',
    ADD COLUMN accepted_at  timestamptz,
    ADD COLUMN accepted_by  uuid,
    ADD FOREIGN KEY (tenant_id, accepted_by) REFERENCES users (tenant_id, id);
CREATE UNIQUE INDEX invitations_token ON invitations (tenant_id, token_hash);
