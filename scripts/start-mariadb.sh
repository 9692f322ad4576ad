#!/usr/bin/env bash
# Starts the local MariaDB at 127.0.0.1:3306 when it is not answering, and lets root log in over TCP
# with an empty password (Debian's default is unix_socket only: error 1698). Idempotent.
set -euo pipefail
ping() { mysql -h127.0.0.1 -P3306 -uroot -e 'SELECT 1' >/dev/null 2>&1; }
if ping; then echo "MariaDB: already answering on 127.0.0.1:3306"; exit 0; fi
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  echo "MariaDB: installing mariadb-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq mariadb-server >/dev/null
fi
install -d -o mysql -g mysql /run/mysqld
start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
for _ in $(seq 1 50); do
  if mysql -uroot -e 'SELECT 1' >/dev/null 2>&1 || ping; then break; fi
  sleep 0.2
done
if ! ping; then
  mysql -uroot -e "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;"
fi
mysql -h127.0.0.1 -P3306 -uroot -e 'CREATE DATABASE IF NOT EXISTS test' && echo "MariaDB: ready on 127.0.0.1:3306"
