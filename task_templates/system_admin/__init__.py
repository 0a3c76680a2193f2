"""System administration: users, groups and permissions, cron, log rotation, service start scripts."""
