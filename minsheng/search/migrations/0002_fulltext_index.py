"""The database-specific full-text index: FTS5 on SQLite, GIN over to_tsvector on PostgreSQL."""

from django.db import migrations


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(tokens, tokenize='unicode61')"
        )
        schema_editor.execute(
            "INSERT INTO search_fts (rowid, tokens) SELECT petition_id, tokens FROM search_searchdocument"
        )
        # Triggers keep the FTS table in step with the document table (bulk writes included).
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS search_fts_ai AFTER INSERT ON search_searchdocument BEGIN "
            "INSERT INTO search_fts (rowid, tokens) VALUES (new.petition_id, new.tokens); END"
        )
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS search_fts_ad AFTER DELETE ON search_searchdocument BEGIN "
            "DELETE FROM search_fts WHERE rowid = old.petition_id; END"
        )
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS search_fts_au AFTER UPDATE OF tokens ON search_searchdocument BEGIN "
            "DELETE FROM search_fts WHERE rowid = old.petition_id; "
            "INSERT INTO search_fts (rowid, tokens) VALUES (new.petition_id, new.tokens); END"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_document_tsv ON search_searchdocument "
            "USING gin (to_tsvector('simple', tokens))"
        )


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for trigger in ("search_fts_ai", "search_fts_ad", "search_fts_au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_document_tsv")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
