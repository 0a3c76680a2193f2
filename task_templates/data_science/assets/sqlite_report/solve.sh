#!/bin/bash
# Reference solution: learn the schema, then answer each question with one SQL query and
# assemble the answers with jq.
set -euo pipefail
DB=@DB@
WORK=$(mktemp -d)
ls -lh "$DB"
dpkg-query -W -f='${Package} ${Version}\n' sqlite3  # which SQL dialect and functions
sqlite3 "$DB" '.tables'
sqlite3 "$DB" '.schema'
sqlite3 -header -column "$DB" 'SELECT status, COUNT(*) AS orders FROM orders GROUP BY status;'
sqlite3 -header -column "$DB" 'SELECT * FROM order_lines LIMIT 5;'
cp "$DB" "$WORK/before.db"
@SQL_CALLS@
head -n 3 "$WORK"/q*
mkdir -p "$(dirname @OUTPUT@)"
jq -n @JQ_ARGS@ '@JQ_PROGRAM@' > @OUTPUT@
python3 -m json.tool @OUTPUT@
cmp "$DB" "$WORK/before.db" && echo "database untouched"
rm -rf "$WORK"
