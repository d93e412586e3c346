"""Words that identify nobody: generic and service accounts, and the pseudonyms ``bridge anonymise`` writes."""

from __future__ import annotations

import re

# A pseudonym written by bridge anonymise: "anon-" and ten hex digits of a keyed HMAC.
PSEUDONYM = re.compile(r"anon-[0-9a-f]{10}")
# The keyed-hash pseudonyms other anonymisers write: a short prefix and hex digits (u-32ac28, host_9f8e7d6c).
HASHED = re.compile(r"[A-Za-z]{1,8}[-_][0-9a-f]{6,64}")

GENERIC_USERS = frozenset(
    """
    root user username users runner ubuntu jovyan vagrant ec2-user admin administrator guest nobody public
    default shared anonymous anon redacted removed unknown none null nil invalid test tester demo daemon bin sys
    sync games man lp mail news uucp proxy www-data backup list irc gnats sshd systemd-network systemd-resolve
    systemd-timesync systemd-journal messagebus syslog apache nginx httpd www git svn ftp postgres mysql oracle
    redis mongodb elasticsearch kafka zookeeper hadoop hdfs yarn spark slurm munge centos debian fedora pi
    alpine docker kube kubernetes jenkins gitlab-runner ansible cloud-user opc ntp chrony polkitd dbus avahi
    colord gdm lightdm sddm rtkit pulse cups saned usbmux tss tcpdump
    """.split()  # noqa: SIM905
) | {"default user", "all users"}
