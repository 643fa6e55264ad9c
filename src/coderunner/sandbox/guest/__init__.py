"""What every sandbox gets of ours, read-only at /usr/lib/coderunner (one bind mount): the
Python boot wrapper and batch harness, the init for other languages, and the passwd and group
files that /etc/passwd and /etc/group link to. Nothing here is imported by the service."""
