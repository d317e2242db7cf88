#!/usr/bin/env python3
"""gen_sqlite.py — writes the SQL script of workload 10c (SQLite) to stdout.

The script is run by the sqlite3 command-line shell on an in-memory database
(`sqlite3 :memory: < script`), so the page cache, the parser, the query planner and the
sorter all live in malloc'd memory: SQLite's default allocator is the system malloc.
The data are generated inside SQLite with recursive CTEs from deterministic expressions
(no random()), so every run does the same work.  The script:
  - creates a table of N rows with text, blob and numeric columns, then two indexes;
  - runs aggregate queries (GROUP BY, ORDER BY with a sort, DISTINCT, a self-join);
  - updates a quarter of the rows with longer strings, deletes a third, VACUUMs;
  - repeats part of it in several transactions.
Usage: gen_sqlite.py [rows]   (default 100000; the runner passes 5000 for --smoke)
"""
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100000

print(f"""
PRAGMA cache_size = -65536;
CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, val REAL, data BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows})
INSERT INTO t(grp, name, val, data)
  SELECT (x * 7919) % 1000,
         printf('name-%08x-%s', (x * 2654435761) % 4294967296, substr('abcdefghijklmnopqrstuvwxyz', 1 + x % 26)),
         ((x * 48271) % 2147483647) / 2147483647.0,
         zeroblob(16 + (x * 31) % 200)
  FROM c;
CREATE INDEX t_grp ON t(grp);
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(length(name)), round(sum(val), 3) FROM t;
SELECT grp, count(*), round(avg(val), 6) FROM t GROUP BY grp ORDER BY 3 DESC LIMIT 5;
SELECT count(DISTINCT substr(name, 6, 4)) FROM t;
SELECT name FROM t ORDER BY val DESC, name LIMIT 3;
SELECT count(*) FROM t a JOIN t b ON a.grp = b.grp AND b.id = a.id + 1000;
BEGIN;
UPDATE t SET name = name || '-' || printf('%.40c', '*') WHERE id % 4 = 0;
DELETE FROM t WHERE id % 3 = 0;
COMMIT;
SELECT count(*), sum(length(name)) FROM t;
SELECT grp, group_concat(substr(name, 6, 8), ',') FROM (SELECT grp, name FROM t WHERE grp < 3 ORDER BY name) GROUP BY grp;
VACUUM;
CREATE TABLE u AS SELECT grp, name, val FROM t ORDER BY name DESC;
SELECT count(*), min(name), max(name) FROM u;
DROP TABLE u;
""")
for k in range(4):
    print(f"""BEGIN;
INSERT INTO t(grp, name, val, data) SELECT grp, name || '{k}', val * 2, data FROM t WHERE id % 5 = {k};
DELETE FROM t WHERE id % 7 = {k};
COMMIT;
SELECT grp, count(*) FROM t GROUP BY grp ORDER BY 2 DESC, 1 LIMIT 2;""")
print("SELECT count(*), sum(length(name)) FROM t;")
