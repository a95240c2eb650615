-- A user's dataset list (newest first) and its total read only this index: the rows not
-- deleted, in list order. Without it the total counted every row of the table to check
-- `deleted_at` (3 ms over 10,000 datasets on SQLite, on every page).
CREATE INDEX datasets_live_by_user ON datasets (user_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
