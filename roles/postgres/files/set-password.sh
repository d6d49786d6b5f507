# Sets the password of role $1 (of the cluster on port $2), given as two
# lines on stdin: the password, then its SCRAM-SHA-256 verifier (made on the
# controller, see plugins/filter/scram.py). Unless the password already logs
# in, the role gets the verifier: PostgreSQL stores it as it is, and the
# password itself never reaches the server, so no log of the server (a failed
# statement is logged with its text) can hold it. Prints "changed" when it
# set it. Both stay out of every command line: they go from stdin to the
# environment, where psql reads them (PGPASSWORD to log in, and \getenv for
# the ALTER ROLE, which psql quotes as a literal itself).
set -eu
IFS= read -r PGPASSWORD
IFS= read -r VERIFIER
export PGPASSWORD VERIFIER
case $VERIFIER in
    'SCRAM-SHA-256$'*) ;;
    *) echo "the second line on stdin is not a SCRAM-SHA-256 verifier" >&2; exit 1 ;;
esac
login() {
    psql -X -w -At "host=127.0.0.1 port=$2 dbname=$1 user=$1 connect_timeout=10" \
        -c 'SELECT 1' >/dev/null 2>&1
}
if login "$1" "$2"; then
    exit 0
fi
# runuser keeps the environment: psql, as postgres, reads VERIFIER from it.
env -u PGPASSWORD runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$2" -v name="$1" <<'SQL'
\getenv verifier VERIFIER
ALTER ROLE :"name" PASSWORD :'verifier';
SQL
if ! login "$1" "$2"; then
    echo "the verifier was set, and the password still does not log in over 127.0.0.1" >&2
    exit 1
fi
echo changed
