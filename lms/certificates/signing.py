"""The issuer's keys, the signed credential (compact JWS per Open Badges 3.0 section 8.2) and the
published keys.

The JOSE header is what OB 3.0 section 8.2 allows, nothing more: `alg` RS256 (the minimum every
OB 3.0 verifier supports; CERT_SIGNING_ALG = "EdDSA" signs with Ed25519 instead), `typ` "JWT",
and `kid` a URL that dereferences to the public JWK: https://<public base>/.well-known/jwks/
<thumbprint>.json, the key's RFC 7638 thumbprint. Credentials issued before used EdDSA with a bare
thumbprint as kid; they keep verifying, on the pages and with the published keys.

Where the keys live (CERT_SIGNING_KEYS):
- unset: the folder instance/signing-keys/. Each key is a PEM file (mode 0600); the newest private
  key of the configured algorithm signs, created on first use. `flask lms rotate-signing-key` adds
  a new key and keeps only the public part of the older ones, so what they signed stays verifiable.
- a folder path: the same, in that folder.
- a file path, or PEM text: one or more PEM keys (RSA of 2048 bits or more, or Ed25519); the first
  private key of the configured algorithm signs, every key (private or public) is published.
  Rotation is then the operator's: put the new key first, keep the old.

Every key is published twice in /.well-known/jwks.json, under its thumbprint (what older
credentials name) and under its URL (what new credentials name), with use "sig" and its alg; and
alone at its URL.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwa import EdDSAAlgorithm
from joserfc.jwk import OKPKey, RSAKey

logger = logging.getLogger(__name__)

RS256, EDDSA = "RS256", "EdDSA"
ALGORITHMS = (RS256, EDDSA)
DEFAULT_ALG = RS256
TYP = "JWT"
RSA_BITS = 2048  # RFC 7518's minimum for RS256 and the size of OB 3.0's examples
KEY_FOLDER = "signing-keys"
KEY_PATH = "/.well-known/jwks/"
_PEM = re.compile(r"-----BEGIN (PRIVATE|PUBLIC) KEY-----.+?-----END \1 KEY-----", re.S)


class PinnedEdDSA(EdDSAAlgorithm):
    """ "EdDSA", the name every JOSE library knows, without joserfc's RFC 9864 warning.

    RFC 9864 deprecates "EdDSA" because the name does not say the curve. Ours is always Ed25519
    (the JWK says crv Ed25519 and keys of any other curve are refused), so the concern does not
    apply, while the fully specified "Ed25519" is not yet understood by common verifiers.
    """

    security_warning = None


REGISTRY = jws.JWSRegistry(algorithms=list(ALGORITHMS))
REGISTRY.algorithms = {RS256: jws.JWSRegistry.algorithms[RS256], EDDSA: PinnedEdDSA()}


class SigningKeyError(RuntimeError):
    """The configured keys cannot be used; the message says what to fix (operators read it)."""


class CredentialInvalid(ValueError):
    """A credential that does not verify; str() is the reason, for the user."""

    def __init__(self, message, code: str):
        super().__init__(str(message))
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class SigningKey:
    kid: str  # the RFC 7638 thumbprint
    key: OKPKey | RSAKey
    private: bool
    name: str  # the file name, or "config#n"

    @property
    def alg(self) -> str:
        return RS256 if isinstance(self.key, RSAKey) else EDDSA

    def public_jwk(self, kid: str | None = None) -> dict:
        return self.key.as_dict(private=False, kid=kid or self.kid, use="sig", alg=self.alg)


def key_url(base_url: str, kid: str) -> str:
    """The URL a credential's `kid` names: it serves the key's public JWK."""
    return f"{base_url.rstrip('/')}{KEY_PATH}{kid}.json"


def thumbprint_of(kid: str) -> str:
    """The thumbprint a `kid` names: the key URL of a new credential, or an older bare thumbprint."""
    if "/" in kid:
        kid = kid.rsplit("/", 1)[-1].removesuffix(".json")
    return kid


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[SigningKey, ...]  # the signing key first

    @property
    def current(self) -> SigningKey:
        return self.keys[0]

    def find(self, kid: str) -> SigningKey | None:
        return next((key for key in self.keys if key.kid == kid), None)

    def jwks(self, base_url: str | None = None) -> dict:
        keys = []
        for key in self.keys:
            keys.append(key.public_jwk())
            if base_url:
                keys.append(key.public_jwk(key_url(base_url, key.kid)))
        return {"keys": keys}


def _import(pem: str, name: str) -> SigningKey:
    try:
        key: OKPKey | RSAKey = RSAKey.import_key(pem)
    except (ValueError, TypeError, JoseError):
        try:
            key = OKPKey.import_key(pem)
        except (ValueError, TypeError, JoseError) as exc:
            raise SigningKeyError(f"{name}: not an RSA or Ed25519 key in PEM form ({exc})") from None
        if key.curve_name != "Ed25519":
            raise SigningKeyError(
                f"{name}: the key is {key.curve_name}, certificates are signed with RSA or Ed25519"
            ) from None
    else:
        bits = key.raw_value.key_size if hasattr(key.raw_value, "key_size") else 0
        if bits < RSA_BITS:
            raise SigningKeyError(f"{name}: the RSA key has {bits} bits, at least {RSA_BITS} are needed")
    return SigningKey(kid=key.thumbprint(), key=key, private=key.is_private, name=name)


def generate(alg: str) -> bytes:
    """A new private key for alg, as PEM."""
    if alg == RS256:
        return RSAKey.generate_key(RSA_BITS).as_pem(private=True)
    return OKPKey.generate_key("Ed25519").as_pem(private=True)


def _pem_blocks(text: str, name: str) -> list[SigningKey]:
    blocks = [m.group(0) for m in _PEM.finditer(text)]
    if not blocks:
        raise SigningKeyError(f"{name}: no PEM key found (expected -----BEGIN PRIVATE KEY-----)")
    return [_import(block, f"{name}#{n}") for n, block in enumerate(blocks, 1)]


def _ring(keys: list[SigningKey], source: str, alg: str) -> KeyRing:
    private = [key for key in keys if key.private]
    if not private:
        raise SigningKeyError(f"{source}: no private key to sign with")
    preferred = [key for key in private if key.alg == alg]
    if not preferred:
        logger.warning("%s: no %s private key; signing with %s", source, alg, private[0].alg)
    current = (preferred or private)[0]
    seen, others = {current.kid}, []
    for key in keys:
        if key.kid not in seen:
            seen.add(key.kid)
            others.append(key)
    return KeyRing((current, *others))


# ---------------------------------------------------------------- a folder of PEM files


def _new_file_name(folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return folder / f"key-{stamp}.pem"


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class _FolderLock:
    """An exclusive lock on the folder, so processes starting at once create one first key."""

    def __init__(self, folder: Path):
        self.path = folder / ".lock"

    def __enter__(self):
        self.handle = open(self.path, "a")  # noqa: SIM115 - closed in __exit__
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _folder_files(folder: Path) -> tuple[list[Path], list[Path]]:
    private = sorted((p for p in folder.glob("key-*.pem") if not p.name.endswith(".pub.pem")), reverse=True)
    public = sorted(folder.glob("key-*.pub.pem"), reverse=True)
    return private, public


def _read_folder(folder: Path) -> list[SigningKey]:
    private, public = _folder_files(folder)
    keys = []
    for path in private + public:
        if not path.name.endswith(".pub.pem") and path.stat().st_mode & 0o077:
            logger.warning("signing key %s is readable by others: chmod 600 it", path)
        keys.extend(_pem_blocks(path.read_text(encoding="ascii"), path.name))
    return keys


def _load_folder(folder: Path, alg: str = DEFAULT_ALG) -> KeyRing:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = _read_folder(folder)
    if not any(key.private and key.alg == alg for key in keys):
        # First use, or the algorithm changed (older Ed25519 keys stay published as they are).
        with _FolderLock(folder):
            keys = _read_folder(folder)
            if not any(key.private and key.alg == alg for key in keys):
                path = _new_file_name(folder)
                _write_new(path, generate(alg))
                logger.info("certificate signing key (%s) created: %s", alg, path)
                keys = _read_folder(folder)
    return _ring(keys, str(folder), alg)


def rotate_folder(folder: Path, alg: str = DEFAULT_ALG) -> tuple[SigningKey, list[SigningKey]]:
    """Add a new signing key; older private keys keep only their public part (still published)."""
    _load_folder(folder, alg)
    with _FolderLock(folder):
        old_private, _ = _folder_files(folder)
        path = _new_file_name(folder)
        _write_new(path, generate(alg))
        retired = []
        for old in old_private:
            key = _import(old.read_text(encoding="ascii"), old.name)
            public_path = old.with_name(old.name[: -len(".pem")] + ".pub.pem")
            public_path.write_bytes(key.key.as_pem(private=False))
            os.chmod(public_path, 0o644)
            old.unlink()
            retired.append(key)
    _cache.clear()
    ring = _load_folder(folder, alg)
    logger.info(
        "certificate signing key rotated: now %s; %d older key(s) kept for verification",
        ring.current.kid,
        len(retired),
    )
    return ring.current, retired


# ---------------------------------------------------------------- the application's key ring


_cache: dict[str, tuple[object, KeyRing]] = {}
_lock = threading.Lock()


def key_source() -> str:
    """Where this application's keys are: a folder, a file, or PEM text."""
    configured = current_app.config.get("CERT_SIGNING_KEYS")
    return str(configured) if configured else str(Path(current_app.instance_path) / KEY_FOLDER)


def _stamp(source: str) -> object:
    if source.lstrip().startswith("-----BEGIN"):
        return None
    path = Path(source)
    if path.is_dir():
        return path.stat().st_mtime_ns, tuple(p.stat().st_mtime_ns for p in path.glob("key-*.pem"))
    if path.is_file():
        return path.stat().st_mtime_ns
    return "missing"


def signing_alg() -> str:
    """The configured algorithm (CERT_SIGNING_ALG): RS256 unless set to EdDSA."""
    alg = current_app.config.get("CERT_SIGNING_ALG") or DEFAULT_ALG
    if alg not in ALGORITHMS:
        raise SigningKeyError(f"CERT_SIGNING_ALG must be one of {', '.join(ALGORITHMS)}, not {alg!r}")
    return alg


def load(source: str, alg: str = DEFAULT_ALG) -> KeyRing:
    """Read (and on first use create) the keys at a source."""
    if source.lstrip().startswith("-----BEGIN"):
        return _ring(_pem_blocks(source, "CERT_SIGNING_KEYS"), "CERT_SIGNING_KEYS", alg)
    path = Path(source)
    if path.is_file():
        return _ring(_pem_blocks(path.read_text(encoding="ascii"), path.name), str(path), alg)
    if path.exists() and not path.is_dir():
        raise SigningKeyError(f"{path}: neither a folder nor a PEM file")
    return _load_folder(path, alg)


def keyring() -> KeyRing:
    """The application's keys; re-read when the folder or file changes (a rotation by the CLI)."""
    source, alg = key_source(), signing_alg()
    stamp = _stamp(source)
    cached = _cache.get(f"{alg}:{source}")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        ring = load(source, alg)
        _cache[f"{alg}:{source}"] = (_stamp(source), ring)
    return ring


def is_folder_source(source: str) -> bool:
    return not source.lstrip().startswith("-----BEGIN") and not Path(source).is_file()


# ---------------------------------------------------------------- signing and verifying


def sign(payload: dict, *, base_url: str) -> tuple[str, str]:
    """The payload as a compact JWS signed with the current key: (token, key thumbprint).

    The header is OB 3.0 section 8.2's: alg, kid (the URL of the public JWK under base_url), typ.
    """
    key = keyring().current
    header = {"alg": key.alg, "kid": key_url(base_url, key.kid), "typ": TYP}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode()
    token = jws.serialize_compact(header, body, key.key, algorithms=[key.alg], registry=REGISTRY)
    return token, key.kid


@dataclass(frozen=True)
class VerifiedCredential:
    kid: str
    header: dict
    claims: dict


def verify(token: str) -> VerifiedCredential:
    """Check a credential's signature against the published keys; raise CredentialInvalid with the reason."""
    token = "".join((token or "").split())
    if token.count(".") != 2:
        raise CredentialInvalid(
            _l("Ini bukan kredensial JWT: harus terdiri atas tiga bagian yang dipisahkan titik."), "malformed"
        )
    try:
        header = jws.extract_compact(token.encode("ascii"), registry=REGISTRY).headers()
    except (JoseError, ValueError, UnicodeError):
        raise CredentialInvalid(
            _l("Kredensial rusak: bagian kepala (header) JWT tidak dapat dibaca."), "malformed"
        ) from None
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise CredentialInvalid(
            _l(
                "Algoritma tanda tangan %(alg)s tidak dipakai penerbit ini (seharusnya RS256 atau EdDSA).",
                alg=str(alg)[:20],
            ),
            "algorithm",
        )
    kid = header.get("kid")
    key = keyring().find(thumbprint_of(kid)) if isinstance(kid, str) else None
    if key is None:
        raise CredentialInvalid(
            _l("Kunci penanda tangan (kid %(kid)s) tidak dikenal oleh penerbit ini.", kid=str(kid)[:64]),
            "unknown_key",
        )
    if key.alg != alg:
        raise CredentialInvalid(
            _l("Algoritma tanda tangan %(alg)s tidak cocok dengan kunci penerbit.", alg=str(alg)[:20]),
            "algorithm",
        )
    try:
        signature = jws.deserialize_compact(token, key.key, algorithms=[alg], registry=REGISTRY)
    except BadSignatureError:
        raise CredentialInvalid(
            _l(
                "Tanda tangan tidak cocok: isi kredensial telah diubah atau tidak "
                "ditandatangani dengan kunci ini."
            ),
            "bad_signature",
        ) from None
    except (JoseError, ValueError):
        raise CredentialInvalid(_l("Kredensial rusak dan tidak dapat diperiksa."), "malformed") from None
    try:
        claims = json.loads(signature.payload)
    except ValueError:
        raise CredentialInvalid(_l("Isi kredensial bukan JSON."), "malformed") from None
    return VerifiedCredential(kid=key.kid, header=dict(header), claims=claims)
