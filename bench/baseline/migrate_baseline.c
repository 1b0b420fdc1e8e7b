/*
 * The C baseline of `make bench` (DESIGN §7, migration): the least a legacy → SQLite migration
 * must do. Streams each mongodump .bson file given on the command line through libbson's
 * reader and inserts, with one prepared statement in one transaction, the document's
 * collection, its number, its _id as text, a few fields and the raw document.
 *
 *   migrate_baseline OUT.sqlite FILE.bson...
 *
 * Prints "documents bytes" on stdout.
 */
#include <bson/bson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(sqlite3 *db, const char *what) {
    fprintf(stderr, "migrate_baseline: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
    exit(1);
}

static void bind_text_field(sqlite3_stmt *stmt, int index, const bson_t *doc, const char *key) {
    bson_iter_t iter;
    if (bson_iter_init_find(&iter, doc, key) && BSON_ITER_HOLDS_UTF8(&iter)) {
        uint32_t length;
        const char *text = bson_iter_utf8(&iter, &length);
        sqlite3_bind_text(stmt, index, text, (int)length, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(stmt, index);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: migrate_baseline OUT.sqlite FILE.bson...\n");
        return 2;
    }
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) fail(db, "open");
    const char *setup =
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
        "CREATE TABLE document (id INTEGER PRIMARY KEY, collection TEXT NOT NULL, document_index INT NOT NULL,"
        " document_id TEXT, name TEXT, life INT, document BLOB NOT NULL);"
        "BEGIN";
    if (sqlite3_exec(db, setup, NULL, NULL, NULL) != SQLITE_OK) fail(db, "schema");
    sqlite3_stmt *insert;
    if (sqlite3_prepare_v2(db, "INSERT INTO document (collection, document_index, document_id, name, life, document) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &insert, NULL) != SQLITE_OK)
        fail(db, "prepare");
    long long documents = 0, bytes = 0;
    for (int f = 2; f < argc; f++) {
        bson_error_t error;
        bson_reader_t *reader = bson_reader_new_from_file(argv[f], &error);
        if (!reader) {
            fprintf(stderr, "migrate_baseline: %s: %s\n", argv[f], error.message);
            return 1;
        }
        const bson_t *doc;
        bool eof = false;
        long long index = 0;
        while ((doc = bson_reader_read(reader, &eof))) {
            if (!bson_validate(doc, BSON_VALIDATE_UTF8, NULL)) {
                fprintf(stderr, "migrate_baseline: %s: document %lld is invalid\n", argv[f], index);
                return 1;
            }
            bson_iter_t iter;
            char oid[25];
            sqlite3_bind_text(insert, 1, argv[f], -1, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 2, index);
            if (bson_iter_init_find(&iter, doc, "_id") && BSON_ITER_HOLDS_UTF8(&iter)) {
                uint32_t length;
                const char *text = bson_iter_utf8(&iter, &length);
                sqlite3_bind_text(insert, 3, text, (int)length, SQLITE_STATIC);
            } else if (bson_iter_init_find(&iter, doc, "_id") && BSON_ITER_HOLDS_OID(&iter)) {
                bson_oid_to_string(bson_iter_oid(&iter), oid);
                sqlite3_bind_text(insert, 3, oid, 24, SQLITE_STATIC);
            } else {
                sqlite3_bind_null(insert, 3);
            }
            bind_text_field(insert, 4, doc, "name");
            if (bson_iter_init_find(&iter, doc, "life") && BSON_ITER_HOLDS_INT32(&iter))
                sqlite3_bind_int(insert, 5, bson_iter_int32(&iter));
            else
                sqlite3_bind_null(insert, 5);
            sqlite3_bind_blob(insert, 6, bson_get_data(doc), (int)doc->len, SQLITE_STATIC);
            if (sqlite3_step(insert) != SQLITE_DONE) fail(db, "insert");
            sqlite3_reset(insert);
            documents++;
            bytes += doc->len;
            index++;
        }
        if (!eof) {
            fprintf(stderr, "migrate_baseline: %s: corrupt BSON after document %lld\n", argv[f], index);
            return 1;
        }
        bson_reader_destroy(reader);
    }
    sqlite3_finalize(insert);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) fail(db, "commit");
    sqlite3_close(db);
    printf("%lld %lld\n", documents, bytes);
    return 0;
}
