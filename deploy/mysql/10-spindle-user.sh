#!/bin/bash
# Run once by the MySQL image when its data volume is new: the user 'spindle' that the nodes
# connect as, with its password from the db_password secret, allowed only the schemas named
# spindle_* (each node creates its own, spindle_nK, on its first start). The passwords go in on
# stdin and through MYSQL_PWD, never on a command line.
set -euo pipefail
password=$(< /run/secrets/db_password)
password=${password//\\/\\\\}
password=${password//\'/\'\'}
MYSQL_PWD=$(< /run/secrets/mysql_root_password) mysql --protocol=socket -uroot <<SQL
CREATE USER IF NOT EXISTS 'spindle'@'%' IDENTIFIED BY '${password}';
GRANT ALL ON \`spindle\\_%\`.* TO 'spindle'@'%';
FLUSH PRIVILEGES;
SQL
