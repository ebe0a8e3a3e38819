"""courses and competencies: the SKJ catalogue, courses, modules, lessons, media, enrolments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:28:51.345167

The managerial and socio-cultural competencies of the Standar Kompetensi Jabatan are seeded as
data, with a short descriptor per level paraphrasing PermenPAN-RB Nomor 38 Tahun 2017.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# code, name, type, description, descriptors of levels 1..5
SKJ_COMPETENCIES = [
    ("INT", "Integritas", "managerial",
     "Konsisten berperilaku selaras dengan nilai, norma, dan etika organisasi; jujur dalam "
     "hubungan kerja; bertanggung jawab atas tindakan dan keputusan beserta risikonya.", (
        "Bertindak sesuai nilai, norma, dan etika organisasi dalam kapasitas pribadi.",
        "Mengingatkan dan mengajak rekan kerja untuk bertindak sesuai nilai, norma, dan etika organisasi.",
        "Memastikan dan menanamkan keyakinan bersama agar anggota unit yang dipimpin bertindak sesuai "
        "nilai, norma, dan etika organisasi.",
        "Menciptakan situasi kerja yang membuat orang lain tetap berpegang pada nilai, norma, dan etika "
        "organisasi dalam segala situasi.",
        "Menjadi teladan dalam penerapan standar keadilan dan etika organisasi hingga tingkat nasional.",
    )),
    ("KS", "Kerja Sama", "managerial",
     "Menjalin, membina, dan mempertahankan hubungan kerja yang efektif, saling membantu dalam "
     "penyelesaian tugas, dan mengoptimalkan sumber daya untuk tujuan organisasi.", (
        "Berpartisipasi sebagai anggota tim yang baik: mengerjakan bagiannya dan mendukung keputusan tim.",
        "Menumbuhkan kerja tim yang partisipatif dan efektif di lingkungan kerjanya.",
        "Membangun tim kerja yang efektif untuk meningkatkan kinerja unit.",
        "Membangun komitmen dan sinergi tim, termasuk kerja sama lintas unit.",
        "Membangun jejaring dan konsensus lintas instansi untuk mencapai tujuan strategis.",
    )),
    ("KOM", "Komunikasi", "managerial",
     "Menerangkan pandangan dan gagasan secara jelas, sistematis, dan meyakinkan, baik lisan maupun "
     "tertulis, serta mendengarkan dan memahami pesan orang lain.", (
        "Menyampaikan informasi dengan jelas dan lengkap sehingga dipahami dengan cara yang sama.",
        "Aktif berkomunikasi secara formal dan informal, mendengarkan, serta menyusun bahan tertulis dan presentasi.",
        "Berkomunikasi secara asertif dan menyampaikan informasi yang sensitif atau rumit dengan tepat.",
        "Mengemukakan pemikiran multidimensi secara lisan dan tertulis untuk mendorong kesepakatan.",
        "Menggagas sistem komunikasi yang terbuka dan strategis untuk mencari solusi bersama.",
    )),
    ("OPH", "Orientasi pada Hasil", "managerial",
     "Mempertahankan komitmen pribadi untuk menyelesaikan tugas dengan hasil terbaik dan terus "
     "mencari cara yang lebih baik.", (
        "Bertanggung jawab memenuhi standar kerja yang ditetapkan.",
        "Berupaya melampaui standar kerja pribadi dan mencoba cara baru untuk meningkatkan hasil.",
        "Menetapkan target yang menantang bagi unit kerja serta memberi apresiasi dan umpan balik.",
        "Mendorong unit kerja mencapai atau melampaui target dengan perbaikan yang berkelanjutan.",
        "Membangun budaya kinerja tinggi yang berorientasi pada hasil di tingkat instansi.",
    )),
    ("PP", "Pelayanan Publik", "managerial",
     "Melaksanakan tugas pemerintahan dan pelayanan publik secara profesional, transparan, dan "
     "objektif, tanpa diskriminasi dan bebas dari kepentingan pribadi.", (
        "Menjalankan tugas sesuai standar pelayanan yang berlaku.",
        "Mengawasi dan menjelaskan proses pelayanan kepada pemangku kepentingan secara transparan.",
        "Memanfaatkan kekuatan tim untuk memperbaiki standar pelayanan di unit kerja.",
        "Memantau dan mengantisipasi isu jangka panjang yang memengaruhi pelayanan kepada pemangku kepentingan.",
        "Merumuskan kebijakan yang menjamin pelayanan publik yang objektif, netral, dan tidak diskriminatif.",
    )),
    ("PDOL", "Pengembangan Diri dan Orang Lain", "managerial",
     "Meningkatkan pengetahuan dan keterampilan diri sendiri dan orang lain melalui belajar, "
     "bimbingan, dan umpan balik.", (
        "Mengembangkan diri dengan belajar dari berbagai sumber sesuai kebutuhan tugasnya.",
        "Membantu rekan atau bawahan belajar dengan memberi contoh dan penjelasan cara kerja.",
        "Memberikan umpan balik dan bimbingan yang terencana untuk pengembangan orang lain.",
        "Menyusun program pengembangan jangka panjang bagi pegawai di unitnya.",
        "Menciptakan budaya belajar berkelanjutan di tingkat instansi.",
    )),
    ("MP", "Mengelola Perubahan", "managerial",
     "Menyesuaikan diri dengan situasi baru dan mendorong serta memimpin perubahan yang "
     "diperlukan organisasi.", (
        "Menyadari adanya perubahan dan menyesuaikan diri dengan perubahan tersebut.",
        "Proaktif beradaptasi dan mengikuti perubahan di lingkungan kerjanya.",
        "Membantu orang lain menghadapi perubahan dan mengantisipasinya dengan tepat.",
        "Memimpin dan mengelola perubahan di unit kerjanya.",
        "Menggerakkan perubahan strategis di tingkat instansi atau nasional.",
    )),
    ("PK", "Pengambilan Keputusan", "managerial",
     "Membuat keputusan yang baik secara tepat waktu dan dengan keyakinan diri, setelah "
     "mempertimbangkan informasi, alternatif, dan risikonya.", (
        "Mengumpulkan informasi yang cukup untuk bertindak sesuai kewenangannya.",
        "Menganalisis masalah secara mendalam sebelum mengambil keputusan.",
        "Membandingkan berbagai alternatif dan menimbang risiko serta keberhasilannya.",
        "Memutuskan masalah berisiko tinggi dengan mengantisipasi dampak dan menyiapkan mitigasinya.",
        "Mengambil keputusan strategis yang berdampak jangka panjang dan luas.",
    )),
    ("PB", "Perekat Bangsa", "socio_cultural",
     "Mempromosikan sikap toleransi, keterbukaan, dan peka terhadap perbedaan individu dan "
     "kelompok masyarakat; menjadi perekat persatuan bangsa.", (
        "Peka, memahami, dan menerima kemajemukan di lingkungan kerjanya.",
        "Aktif mengembangkan sikap saling menghargai dan menekankan persamaan serta persatuan.",
        "Mempromosikan dan mengembangkan sikap toleransi dan persatuan di lingkungan kerja.",
        "Mendayagunakan perbedaan secara konstruktif untuk meningkatkan efektivitas organisasi.",
        "Menjadi wakil pemerintah dalam membangun hubungan sosial yang mempersatukan masyarakat.",
    )),
]


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    competencies = op.create_table('competencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.Enum('managerial', 'socio_cultural', 'technical', name='competency_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_competencies_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competencies')),
    sa.UniqueConstraint('code', name=op.f('uq_competencies_code'))
    )
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competencies_agency_id'), ['agency_id'], unique=False)

    competency_levels = op.create_table('competency_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('descriptor', sa.Text(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_competency_levels_level_range')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_competency_levels_competency_id_competencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competency_levels')),
    sa.UniqueConstraint('competency_id', 'level', name=op.f('uq_competency_levels_competency_id_level'))
    )
    with op.batch_alter_table('competency_levels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competency_levels_competency_id'), ['competency_id'], unique=False)

    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('jp', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='course_status', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('owner_agency_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('completion_rule', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('jp >= 0 AND jp <= 1000', name=op.f('ck_courses_jp_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_courses_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_agency_id'], ['agencies.id'], name=op.f('fk_courses_owner_agency_id_agencies'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('slug', name=op.f('uq_courses_slug'))
    )
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_owner_agency_id'), ['owner_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_status'), ['status'], unique=False)

    op.create_table('course_competencies',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_course_competencies_level_range')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_course_competencies_competency_id_competencies')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_competencies_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'competency_id', name=op.f('pk_course_competencies'))
    )
    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_enrolments_assigned_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_enrolments_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_enrolments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_enrolments_user_id_course_id'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_user_id'), ['user_id'], unique=False)

    op.create_table('media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=120), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_media_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_media_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media')),
    sa.UniqueConstraint('course_id', 'original_name', name=op.f('uq_media_course_id_original_name')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_media_stored_name'))
    )
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_course_id'), ['course_id'], unique=False)

    op.create_table('modules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_modules_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_modules'))
    )
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_modules_course_id'), ['course_id'], unique=False)

    op.create_table('lessons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('video_media_id', sa.Integer(), nullable=True),
    sa.Column('source_file', sa.String(length=200), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duration_minutes >= 0', name=op.f('ck_lessons_duration_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_lessons_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_lessons_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['video_media_id'], ['media.id'], name=op.f('fk_lessons_video_media_id_media'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lessons')),
    sa.UniqueConstraint('course_id', 'source_file', name=op.f('uq_lessons_course_id_source_file'))
    )
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lessons_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lessons_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lessons_video_media_id'), ['video_media_id'], unique=False)

    op.create_table('lesson_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_lesson_completions_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_completions_lesson_id_lessons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_completions')),
    sa.UniqueConstraint('enrolment_id', 'lesson_id', name=op.f('uq_lesson_completions_enrolment_id_lesson_id'))
    )
    with op.batch_alter_table('lesson_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_completions_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_completions_lesson_id'), ['lesson_id'], unique=False)

    # ### end Alembic commands ###
    seed_competencies(competencies, competency_levels)


def seed_competencies(competencies, competency_levels):
    op.bulk_insert(competencies, [
        {"code": code, "name": name, "type": kind, "agency_id": None, "description": description}
        for code, name, kind, description, _levels in SKJ_COMPETENCIES
    ])
    ids = dict(op.get_bind().execute(sa.select(competencies.c.code, competencies.c.id)).all())
    op.bulk_insert(competency_levels, [
        {"competency_id": ids[code], "level": level, "descriptor": text}
        for code, _name, _kind, _description, levels in SKJ_COMPETENCIES
        for level, text in enumerate(levels, start=1)
    ])


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('lesson_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_completions_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_completions_enrolment_id'))

    op.drop_table('lesson_completions')
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lessons_video_media_id'))
        batch_op.drop_index(batch_op.f('ix_lessons_module_id'))
        batch_op.drop_index(batch_op.f('ix_lessons_course_id'))

    op.drop_table('lessons')
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_modules_course_id'))

    op.drop_table('modules')
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_course_id'))

    op.drop_table('media')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_user_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_course_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_completed_at'))

    op.drop_table('enrolments')
    op.drop_table('course_competencies')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courses_status'))
        batch_op.drop_index(batch_op.f('ix_courses_owner_agency_id'))
        batch_op.drop_index(batch_op.f('ix_courses_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_courses_category'))

    op.drop_table('courses')
    with op.batch_alter_table('competency_levels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competency_levels_competency_id'))

    op.drop_table('competency_levels')
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competencies_agency_id'))

    op.drop_table('competencies')
    # ### end Alembic commands ###
