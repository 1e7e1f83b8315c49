#!/usr/bin/env bash
# Probes real Debian servers over their STARTTLS dialogues on loopback (issue 14): PostgreSQL,
# Dovecot (IMAP, POP3), OpenLDAP slapd, MariaDB and Postfix (SMTP), each started here on a fixed 127.0.0.1 port
# with the test certificate testcerts/good.* (tlsprobe.test), probed with
# `tlsprobe probe <scheme>://tlsprobe.test:PORT --connect-to 127.0.0.1`, and stopped again.
# A server whose package is not installed is skipped with a message; with none installed the
# script exits 77 (ctest: skipped) saying so (CI does not install them: scripts/deps.sh leaves them out on purpose).
#
# The ports (21110-25432) lie below Linux's ephemeral range (32768-60999): the other tests
# running beside this one open many outgoing connections, and a fixed port in that range was
# taken now and then by one of them (bind: address in use).
#
# usage: starttls_real.sh TLSPROBE_BINARY SOURCE_DIR
set -u
bin=${1:?tlsprobe binary}
src=${2:?source dir}
work=$(mktemp -d /tmp/tlsprobe-starttls-real.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    [ -f "$work/postfix/main.cf" ] && postfix -c "$work/postfix" stop >/dev/null 2>&1
    [ -n "${pg_ctl:-}" ] && [ -d "$work/pg" ] && su postgres -s /bin/sh -c "$pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    done
    rm -rf "$work"
}
trap cleanup EXIT

cp "$src/testcerts/good.chain.pem" "$work/cert.pem"
cp "$src/testcerts/good.key" "$work/key.pem"
chmod 644 "$work/cert.pem"; chmod 640 "$work/key.pem"
ran=0; failed=0

# Waits until something accepts on 127.0.0.1:$1 (at most ~10 s).
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# probe NAME URL: runs tlsprobe and prints what it reports; fails unless TLS works after the
# upgrade (JSON facts.works).
probe() {
    local name=$1 url=$2
    ran=$((ran + 1))
    local json
    json=$("$bin" probe "$url" --connect-to 127.0.0.1 --ca-file "$src/testcerts/root-ca.pem" \
        --quick --format json --timeout 5s 2>&1)
    local summary
    summary=$(python3 -c '
import json,sys
r=json.loads(sys.stdin.read())
vs=r.get("versions",{})
items=vs.items() if isinstance(vs,dict) else [(v.get("version"),v) for v in vs]
ok=[str(k) for k,v in items if isinstance(v,dict) and v.get("supported") is True]
leaf=(r.get("chain") or {}).get("certificates") or [{}]
works=r["target_verdict"] in ("ok","warn")
print("verdict=%s versions=%s leaf=%s trusted=%s platform=%s diagnosis=%s" % (r["target_verdict"], ",".join(ok), leaf[0].get("common_name"), (r.get("chain") or {}).get("trusted"), (r.get("platform") or {}).get("software"), ",".join(d["id"] for d in r.get("diagnosis",[])) or "-"))
sys.exit(0 if works else 1)' <<<"$json")
    local rc=$?
    echo "$name ($url): $summary"
    [ $rc -eq 0 ] || { failed=$((failed + 1)); echo "$json" | head -c 1500; }
}

# ---- PostgreSQL ------------------------------------------------------------------------------
pg_bin=$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")
if [ -x "$pg_bin/pg_ctl" ] && [ -x "$pg_bin/initdb" ] && id postgres >/dev/null 2>&1; then
    pg_ctl=$pg_bin/pg_ctl
    mkdir "$work/pg" "$work/pgrun" && chown postgres "$work/pg" "$work/pgrun"
    cp "$work/key.pem" "$work/pg-key.pem"; chown postgres "$work/pg-key.pem"; chmod 600 "$work/pg-key.pem"
    su postgres -s /bin/sh -c "$pg_bin/initdb -D $work/pg -A trust" >"$work/pg-init.log" 2>&1
    su postgres -s /bin/sh -c "$pg_ctl -D $work/pg -w -l $work/pgrun/pg.log -o \"-p 25432 -k $work/pgrun -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=$work/cert.pem -c ssl_key_file=$work/pg-key.pem\" start" >/dev/null 2>&1
    if wait_port 25432; then probe PostgreSQL "postgres://tlsprobe.test:25432"
    else echo "PostgreSQL: did not start"; cat "$work/pg-init.log" "$work/pgrun/pg.log"; failed=$((failed + 1)); fi
else
    echo "PostgreSQL: not installed, skipped"
fi

# ---- Dovecot (IMAP, POP3) --------------------------------------------------------------------
if command -v dovecot >/dev/null; then
    mkdir -p "$work/dovecot-run" "$work/dovecot-state"
    cat >"$work/dovecot.conf" <<CONF
base_dir = $work/dovecot-run
state_dir = $work/dovecot-state
log_path = $work/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <$work/cert.pem
ssl_key = <$work/key.pem
disable_plaintext_auth = yes
mail_location = mbox:~/mail
service imap-login {
  inet_listener imap {
    port = 21143
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 21110
  }
  inet_listener pop3s {
    port = 0
  }
}
passdb {
  driver = static
  args = password=unused
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$work/home
}
CONF
    dovecot -F -c "$work/dovecot.conf" >"$work/dovecot.out" 2>&1 &
    pids+=($!)
    if wait_port 21143 && wait_port 21110; then
        probe "Dovecot IMAP" "imap://tlsprobe.test:21143"
        probe "Dovecot POP3" "pop3://tlsprobe.test:21110"
    else echo "Dovecot: did not start"; cat "$work/dovecot.out" "$work/dovecot.log" 2>/dev/null; failed=$((failed + 1)); fi
else
    echo "Dovecot: not installed, skipped"
fi

# ---- OpenLDAP slapd --------------------------------------------------------------------------
if [ -x /usr/sbin/slapd ]; then
    mkdir -p "$work/ldap-db"
    cat >"$work/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $work/slapd.pid
TLSCertificateFile $work/cert.pem
TLSCertificateKeyFile $work/key.pem
database mdb
suffix "dc=tlsprobe,dc=test"
directory $work/ldap-db
CONF
    /usr/sbin/slapd -d 0 -f "$work/slapd.conf" -h "ldap://127.0.0.1:21389/" >"$work/slapd.out" 2>&1 &
    pids+=($!)
    if wait_port 21389; then probe "OpenLDAP slapd" "ldap://tlsprobe.test:21389"
    else echo "slapd: did not start"; cat "$work/slapd.out"; failed=$((failed + 1)); fi
else
    echo "slapd: not installed, skipped"
fi

# ---- MariaDB ---------------------------------------------------------------------------------
if command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null; then
    mkdir -p "$work/mysql" && chown mysql "$work/mysql" 2>/dev/null
    cp "$work/key.pem" "$work/my-key.pem"; chown mysql "$work/my-key.pem"; chmod 600 "$work/my-key.pem"
    mariadb-install-db --user=mysql --datadir="$work/mysql" --auth-root-authentication-method=normal \
        >"$work/mysql-init.log" 2>&1
    mariadbd --no-defaults --user=mysql --datadir="$work/mysql" --port=23306 --bind-address=127.0.0.1 \
        --socket="$work/mysql/mysql.sock" --pid-file="$work/mysql/mysql.pid" \
        --ssl-cert="$work/cert.pem" --ssl-key="$work/my-key.pem" >"$work/mysql.out" 2>&1 &
    pids+=($!)
    if wait_port 23306; then probe MariaDB "mysql://tlsprobe.test:23306"
    else echo "MariaDB: did not start"; tail -20 "$work/mysql.out"; failed=$((failed + 1)); fi
else
    echo "MariaDB: not installed, skipped"
fi

# ---- Postfix (SMTP) --------------------------------------------------------------------------
# A private instance: its own config_directory (main.cf, master.cf with one smtpd on
# 127.0.0.1:22525, and the postlogd, proxymap, anvil and tlsmgr services smtpd talks to), queue_directory and data_directory under $work,
# started with `postfix -c DIR start` and stopped with `postfix -c DIR stop`. Needs root (the
# master runs as root, smtpd as the postfix user).
if [ -x /usr/sbin/postfix ] && id postfix >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$work/postfix" "$work/postfix-queue" "$work/postfix-data"
    chown postfix "$work/postfix-data"
    cp "$work/key.pem" "$work/postfix-key.pem"; chmod 600 "$work/postfix-key.pem"
    [ -f /etc/postfix/dynamicmaps.cf ] && cp /etc/postfix/dynamicmaps.cf "$work/postfix/"
    cat >"$work/postfix/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $work/postfix-queue
data_directory = $work/postfix-data
myhostname = tlsprobe.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_tls_security_level = may
smtpd_tls_chain_files = $work/postfix-key.pem, $work/cert.pem
smtpd_peername_lookup = no
alias_maps =
alias_database =
local_recipient_maps =
maillog_file_prefixes = $work
maillog_file = $work/postfix.log
CONF
    cat >"$work/postfix/master.cf" <<CONF
127.0.0.1:22525 inet n - n - - smtpd
postlog unix-dgram n - n - 1 postlogd
proxymap unix - - n - - proxymap
anvil unix - - n - 1 anvil
tlsmgr unix - - n 1000? 1 tlsmgr
CONF
    if postfix -c "$work/postfix" start >"$work/postfix.out" 2>&1 && wait_port 22525; then
        # The master listens before smtpd can greet: without a 220 greeting in 10 s the private
        # instance is not usable here (the log says why), which is a skip, not a tlsprobe fault.
        greeting=$(timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/22525; head -n 1 <&3' 2>/dev/null)
        if [[ "$greeting" == 220* ]]; then
            probe Postfix "smtp://tlsprobe.test:22525"
        else
            echo "Postfix: started, but smtpd sent no 220 greeting within 10 s, skipped; its log:"
            tail -10 "$work/postfix.log" 2>/dev/null
        fi
    else
        echo "Postfix: did not start (postfix -c $work/postfix start):"
        cat "$work/postfix.out" "$work/postfix.log" 2>/dev/null | tail -20
        failed=$((failed + 1))
    fi
elif [ -x /usr/sbin/postfix ]; then
    echo "Postfix: installed, but a private instance needs root and the postfix user, skipped"
else
    echo "Postfix: not installed, skipped"
fi

if [ "$ran" -eq 0 ]; then
    echo "SKIPPED: none of PostgreSQL, Dovecot, slapd, MariaDB, Postfix is installed"
    exit 77
fi
echo "$ran probes, $failed failed"
[ "$failed" -eq 0 ]
