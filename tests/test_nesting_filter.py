import pytest
from ansible.errors import AnsibleFilterError

from plugins.filter.nesting import nesting_error

STAYS = [
    ("nftables", "ip saddr { 10.0.0.0/8, 192.168.0.0/16 } tcp dport { 9100, 9200 } accept"),
    ("nftables", 'iifname "eth1" tcp dport 5432 accept comment "db {1}"'),
    ("nftables", "tcp dport 8080 accept # a note"),
    ("caddy", 'header /static/* Cache-Control "public, max-age=86400"'),
    ("caddy", 'header X-Served-By "{system.hostname}"\nrespond "say \\"hi\\"" 200'),
    (
        "caddy",
        "@api path_regexp api ^/api/v[0-9]{1,2}/\nhandle @api {\n\theader {\n\t\t-Server\n\t}\n}",
    ),
    ("caddy", "path_regexp static \\.(js|css)$\n# a comment"),
    ("nginx", 'location ~* "\\.(css|js){1}$" {\n    add_header X-A "b";\n}'),
    ("nginx", "location /x {return 200 '${host}';}"),
    ("nginx", "location ~ \\.php$ { deny all; }\nset $a ${host}x;"),
    ("nginx", ""),
]

LEAVES = [
    ("nftables", "tcp dport 22 accept; tcp dport 23 accept"),
    ("nftables", "tcp dport 22 accept } chain evil { type filter hook input priority -1"),
    ("nftables", "tcp dport { 22 } } chain evil {"),
    ("nftables", "tcp dport { 22, 80 accept"),
    ("nftables", 'meta mark 1 comment "{" } chain evil {'),
    ("nftables", "tcp dport 22 accept # {"),
    ("nftables", 'comment "unclosed'),
    ("caddy", "}\nevil.example.org {\n\trespond hi\n"),
    ("caddy", "handle /x {\n"),
    ("caddy", 'respond "a { b"\n}\nevil.example.org {\nrespond "}"\n'),
    ("caddy", "# {\n}\nevil.example.org {\n"),
    ("caddy", "respond `{` \n}\nevil.example.org {\n"),
    ("caddy", "respond <<EOF\n}\nEOF"),
    ("caddy", 'respond "}"x'),
    ("caddy", "respond a}\n"),
    ("caddy", "respond \\{\n}\nevil.example.org {\nrespond \\}"),
    ("caddy", 'respond a"{ b"\n}\nx {\n'),
    ("nginx", "}\nserver {\n    listen 8081;\n"),
    ("nginx", "return 200 '{';\n}\nserver {\n    listen 8081;\n"),
    ("nginx", "return 200 x\\{;\n}\nserver {\n    return 200 y\\};\n"),
    ("nginx", "return 200 a};"),
    ("nginx", "location /x {"),
    ("nginx", "location /x}{"),
    ("nginx", "}"),
]


@pytest.mark.parametrize(("syntax", "text"), STAYS)
def test_text_that_stays_in_its_block(syntax, text):
    assert nesting_error(text, syntax) == ""


@pytest.mark.parametrize(("syntax", "text"), LEAVES)
def test_text_that_could_leave_its_block(syntax, text):
    assert nesting_error(text, syntax) != ""


def test_the_reason_names_the_line():
    assert nesting_error("header X 1\n}\nx {\n", "caddy").startswith("line 2: a } that closes")


def test_unknown_syntax():
    with pytest.raises(AnsibleFilterError, match="syntax"):
        nesting_error("x", "apache")
