"""Security: decrypting with provided keys, auditing permissions and sudoers, log forensics, certificates."""
