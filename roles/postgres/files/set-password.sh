# Sets the password of role $1 (of the cluster on port $2) to the line on
# stdin, unless that password already logs in. Prints "changed" when it set
# it. The password stays out of every command line: it goes from stdin to
# the environment, where psql reads it (PGPASSWORD, and \getenv for the
# ALTER ROLE, which psql quotes as a literal itself).
set -eu
IFS= read -r PGPASSWORD
export PGPASSWORD
login() {
    psql -X -w -At "host=127.0.0.1 port=$2 dbname=$1 user=$1 connect_timeout=10" \
        -c 'SELECT 1' >/dev/null 2>&1
}
if login "$1" "$2"; then
    exit 0
fi
runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$2" -v name="$1" <<'SQL'
\getenv password PGPASSWORD
ALTER ROLE :"name" PASSWORD :'password';
SQL
if ! login "$1" "$2"; then
    echo "the password was set, and still does not log in over 127.0.0.1" >&2
    exit 1
fi
echo changed
