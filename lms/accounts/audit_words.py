"""The HR audit log in words: what was changed, and each changed field as "label: before → after"."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .models import AuditEntry

ENTITIES = {
    "appraisal": _l("Penilaian kinerja"),
    "competency": _l("Kompetensi di katalog"),
    "competency_record": _l("Bukti kompetensi"),
    "jp_record": _l("Catatan JP"),
    "staff_position": _l("Jabatan dan atasan"),
}
ACTIONS = {
    "create": _l("dicatat"),
    "update": _l("diubah"),
    "import": _l("diperbarui dari impor"),
    "revoke": _l("dicabut"),
    "reinstate": _l("diberlakukan lagi"),
    "respond": _l("ditanggapi pegawai"),
    "delete": _l("dihapus"),
}
FIELDS = {
    "achieved_on": _l("Tanggal"),
    "appraiser_id": _l("Penilai"),
    "behaviour": _l("Perilaku kerja"),
    "behaviour_rating": _l("Nilai perilaku"),
    "certificate_number": _l("Nomor sertifikat"),
    "code": _l("Kode"),
    "competency_id": _l("Kompetensi"),
    "description": _l("Deskripsi"),
    "ended_on": _l("Selesai"),
    "evidence": _l("Bukti"),
    "jp": _l("JP"),
    "kind": _l("Jenis"),
    "level": _l("Level"),
    "levels": _l("Deskriptor level"),
    "minutes": _l("Menit"),
    "name": _l("Nama"),
    "period": _l("Periode"),
    "position_code": _l("Kode jabatan"),
    "position_id": _l("Jabatan"),
    "predikat": _l("Predikat"),
    "reason": _l("Alasan"),
    "response": _l("Tanggapan"),
    "revoked_at": _l("Dicabut pada"),
    "revoked_cause": _l("Sebab dicabut"),
    "source": _l("Sumber"),
    "source_id": _l("Nomor sumber"),
    "started_on": _l("Mulai"),
    "supervisor_id": _l("Atasan"),
    "supervisor_nip": _l("NIP atasan"),
    "title": _l("Judul"),
    "user_id": _l("Pegawai"),
    "work_rating": _l("Hasil kerja"),
    "year": _l("Tahun"),
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def headline(entry: AuditEntry) -> str:
    """ "Penilaian kinerja dicatat" for ("appraisal", "create")."""
    entity = ENTITIES.get(entry.entity, entry.entity.replace("_", " "))
    action = ACTIONS.get(entry.action, entry.action)
    return f"{entity} {action}"


def _text(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(_l("ya") if value else _l("tidak"))
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return str(value)


def changes(entry: AuditEntry) -> list[Change]:
    """Every field that differs between before and after, labelled in words."""
    before, after = entry.before or {}, entry.after or {}
    found = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old != new:
            found.append(Change(str(FIELDS.get(key, key.replace("_", " "))), _text(old), _text(new)))
    return found
