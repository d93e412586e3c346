"""Keyed pseudonyms: Crypto-PAn for IP addresses (prefix-preserving), HMAC-SHA-256 for everything else.

One 32-byte secret in a key file kept outside the artefact derives two keys: the Crypto-PAn key (AES-128 key
plus pad, yacryptopan, IPv4 and IPv6) and the HMAC key. The same value maps to the same pseudonym in every
file and every run with the same key; nothing maps back without it. Two addresses sharing an n-bit prefix
share an n-bit prefix after Crypto-PAn (Xu, Fan, Ammar and Moon, ICNP 2002), so subnets stay comparable.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import stat
from pathlib import Path

from yacryptopan import CryptoPAn

from bridge.errors import ConfigError, UsageError
from bridge.privacy.hits import Hit, mac_digits

EMAIL_DOMAIN = "anon.invalid"  # RFC 2606: a domain that can never be real


def _derive(master: bytes, label: bytes) -> bytes:
    return hmac.new(master, label, hashlib.sha256).digest()


class Pseudonymiser:
    """Consistent, keyed replacements for the hits of the finders, written in the notation they were found in."""

    def __init__(self, master: bytes) -> None:
        self._pan = CryptoPAn(_derive(master, b"bridge crypto-pan v1"))  # 32 bytes: AES key and pad
        self._key = _derive(master, b"bridge pseudonyms v1")
        self.fingerprint = _derive(master, b"bridge key fingerprint v1")[:8].hex()
        self._cache: dict[tuple[str, str], str] = {}

    def token(self, domain: str, value: str) -> str:
        """Return ``anon-`` and ten hex digits of HMAC(key, domain, value): the same value, the same token."""
        digest = hmac.new(self._key, f"{domain}\0{value}".encode(), hashlib.sha256).hexdigest()
        return f"anon-{digest[:10]}"

    def address(self, value: str) -> str:
        """Return the Crypto-PAn pseudonym of an IPv4 or IPv6 address (IPv6 in compressed form)."""
        key = ("ip", value)
        if key not in self._cache:
            out = self._pan.anonymize(value)
            self._cache[key] = out if "." in out else str(ipaddress.IPv6Address(out))
        return self._cache[key]

    def mac(self, value: str) -> str:
        """Return 12 hex digits of a keyed MAC pseudonym: locally administered and unicast, so never a vendor's."""
        raw = bytearray(hmac.new(self._key, b"mac\0" + mac_digits(value).encode(), hashlib.sha256).digest()[:6])
        raw[0] = (raw[0] & 0xFC) | 0x02
        return raw.hex()

    def replace(self, hit: Hit, found: bytes) -> bytes:
        """Return what replaces the bytes ``found`` of ``hit`` in a file or a member."""
        kind, form, value = hit.kind, hit.form, hit.value
        if kind == "ipv4":
            new = self.address(value)
            if form == "arpa":
                return ".".join(reversed(new.split("."))).encode()
            if form == "mapped":
                return f"::ffff:{new}".encode()
            return new.replace(".", {"dash": "-", "underscore": "_"}.get(form, ".")).encode()
        if kind == "ipv6":
            new = self.address(str(ipaddress.IPv6Address(value)))
            return (new.upper() if found.decode().isupper() else new).encode()
        if kind == "mac":
            return _mac_form(self.mac(value), found).encode()
        if kind == "email":
            token = self.token("email", value.casefold())
            return f"{token}{'%40' if form == 'url' else '@'}{EMAIL_DOMAIN}".encode()
        return self.token("user", value).encode()  # home-user and user: one pseudonym per account

    def name_token(self, hit: Hit) -> str:
        """Return the token that replaces a hit in a file or member name (never an address-shaped value)."""
        value = hit.value.casefold() if hit.kind == "email" else hit.value
        domain = "user" if hit.kind in ("home-user", "user") else hit.kind
        return self.token(domain, value)


def _mac_form(digits: str, found: bytes) -> str:
    text = found.decode("ascii")
    if any(c.isupper() for c in text):
        digits = digits.upper()
    if len(text) == 12:
        return digits
    if text[4:5] == ".":
        return ".".join(digits[i : i + 4] for i in range(0, 12, 4))
    return text[2].join(digits[i : i + 2] for i in range(0, 12, 2))


def load_key(path: Path, src: Path, dest: Path) -> tuple[bytes, bool]:
    """Return (secret, created): read the key file or create it (mode 0600); refuse one inside the artefact."""
    real = path.expanduser().resolve()
    for folder, what in ((src, "SRC"), (dest, "DEST")):
        if real.is_relative_to(folder.resolve()):
            raise UsageError(
                f"{path}: the key file is inside {what} ({folder}) and would be published with the data",
                hint="keep the key outside the artefact, e.g. --key-file ~/.config/bridge/anonymise.key",
            )
    if not real.exists():
        real.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_bytes(32)
        fd = os.open(real, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secret.hex() + "\n")
        return secret, True
    mode = real.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path}: the key file can be read by others (mode {stat.filemode(mode)})",
                          hint=f"chmod 600 {path}")  # fmt: skip
    try:
        secret = bytes.fromhex(real.read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a key file written by bridge anonymise ({exc})") from None
    if len(secret) != 32:
        raise ConfigError(f"{path}: a key is 64 hex digits (32 bytes), this one has {len(secret)} bytes")
    return secret, False
