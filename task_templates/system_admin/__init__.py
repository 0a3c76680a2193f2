"""System administration: users, groups and permissions, cron, log rotation, service start scripts."""

APT_PACKAGES = ["cron", "sudo", "procps", "logrotate", "acl", "gzip"]
