"""Careers objects for the authorization matrix (tests/core/test_authorization.py)."""

from datetime import date

from lms.accounts.models import Agency, User
from lms.careers import appraisals, external, jp, positions, records, training_requests
from lms.careers.evidence import EvidenceUpload
from lms.careers.models import Position
from lms.competencies import services
from lms.extensions import db
from tests import factories


def build(app, own, other, actors, other_person_id):
    """Positions in both agencies, the learner reporting to the trainer, a peer, and records,
    a JP record, an appraisal and a training request; returns the ids the matrix uses."""
    with app.app_context():
        get = db.session.get
        admin, trainer, learner = (get(User, actors[name].id) for name in ("admin", "trainer", "learner"))
        other_person = get(User, other_person_id)
        kom = services.competency_by_code("KOM")
        own_position = positions.save_position(
            get(Agency, own.id),
            positions.PositionData("P-OWN", "Jabatan Sendiri", "fungsional", {kom.id: 2}),
            by=admin,
        )
        other_position = positions.save_position(
            get(Agency, other.id),
            positions.PositionData("P-OTHER", "Jabatan Lain", "fungsional", {kom.id: 3}),
            by=admin,
        )
        learner.supervisor_id = trainer.id
        peer = factories.user(get(Agency, own.id), name="Rekan Sejawat")
        positions.assign_position(learner, get(Position, own_position.id), by=admin)
        evidence = records.AssessmentData(kom.id, 2, date(2025, 5, 1), "Laporan asesmen No. 1")
        own_record = records.record_assessment(learner, evidence, by=admin)
        other_record = records.record_assessment(other_person, evidence, by=admin)
        other_jp = jp.record_jp(
            other_person,
            jp.JpRecordData(
                kind="coaching",
                title="Coaching kinerja",
                started_on=date(2025, 3, 1),
                ended_on=date(2025, 3, 1),
                jp=4,
                evidence="Surat tugas No. 9",
            ),
            by=admin,
        )
        appraisal = appraisals.record_appraisal(
            learner,
            appraisals.AppraisalData(
                year=2025, period="annual", work_rating="meets", behaviour=appraisals.all_values("meets")
            ),
            by=trainer,
        )
        other_request = training_requests.submit(other_person, kom.id, "Saya perlu pelatihan komunikasi.")
        reported = [
            external.report(
                person,
                external.ExternalData(
                    kind="seminar",
                    title="Seminar Nasional Kepegawaian",
                    organizer="BKN",
                    started_on=date(2025, 4, 2),
                    ended_on=date(2025, 4, 2),
                    jp=6,
                    competencies=[(kom.id, 2)],
                ),
                EvidenceUpload("sertifikat.pdf", factories.PDF),
            )
            for person in (learner, other_person)
        ]
        descriptors = {n: f"Deskriptor level {n}" for n in range(1, 6)}
        own_tech, other_tech = (
            services.create_competency(
                f"TK-{agency.code}", "Kompetensi Teknis", "technical", descriptors, agency_id=agency.id
            )
            for agency in (get(Agency, own.id), get(Agency, other.id))
        )
        db.session.commit()
        return {
            "own_position": own_position.id,
            "other_position": other_position.id,
            "peer": peer.id,
            "own_record": own_record.id,
            "other_record": other_record.id,
            "other_jp": other_jp.id,
            "appraisal": appraisal.id,
            "other_request": other_request.id,
            "own_external": reported[0].id,
            "other_external": reported[1].id,
            "kom": kom.id,
            "own_tech": own_tech.id,
            "other_tech": other_tech.id,
        }
