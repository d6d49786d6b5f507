-- Makes the database :name, owned by a login role of the same name, and
-- changes only what differs. Each statement runs through \gexec only when
-- the SELECT before it finds something to do, so psql prints a command tag
-- (CREATE ROLE, ALTER DATABASE...) exactly when something changed.
SELECT format('CREATE ROLE %I LOGIN', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec

SELECT format('ALTER ROLE %I LOGIN', rolname)
  FROM pg_roles WHERE rolname = :'name' AND NOT rolcanlogin \gexec

-- UTF-8 whatever locale the cluster was made with (a cluster made under
-- LANG=C has SQL_ASCII); C.UTF-8 is in every Debian's libc.
SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L LOCALE %L',
              :'name', :'name', 'UTF8', 'C.UTF-8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec

-- The app's migrations create tables: the role owns its database (and so,
-- on PostgreSQL 15 and later, its public schema, owned by pg_database_owner).
SELECT format('ALTER DATABASE %I OWNER TO %I', datname, datname)
  FROM pg_database WHERE datname = :'name' AND datdba <> (SELECT oid FROM pg_roles WHERE rolname = :'name') \gexec
