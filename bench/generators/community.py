"""A busy community space: members, questions, answers and votes, loaded with COPY.

Questions are written in five languages (English most, then Spanish, French, Persian and
Khmer), each from a pool of realistic phrasings × topics, so a search word is as selective
as in a real community (a topic word in a few percent of the questions, a common word in many).
Answers are spread as communities have them: most questions get a few, about one in six none
yet, a few hundred dozens, and one (``heavy``) two hundred. Votes are real ``Vote`` rows by
distinct members, and scores, answer counts, accepted answers, first-answer and last-activity
times agree with them. The search vector is written as ``community.services.questions``
writes it (title A, tags B, text C, in each question's language's configuration; Khmer split
by ICU first) — computed by PostgreSQL from the spaced text in one UPDATE.

As the owner of the tables (``bench/roles.py``): secondary indexes and foreign keys are
dropped before the COPY and made again after, each checked once.
"""

import random
import tempfile
import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from bench.generators.copying import (
    add_foreign_keys,
    copy,
    copy_text,
    create_indexes,
    drop_foreign_keys,
    drop_indexes,
)
from stakeholders import text

TABLES = ("community_member", "community_question", "community_answer", "community_vote")
HEAVY_ANSWERS = 200
NULL = r"\N"

# language → (share of questions, title phrasings with {topic}, bodies, answers, topics)
LANGUAGES = {
    "en": (
        0.60,
        [
            "How do I apply for {topic}?",
            "Anyone else waiting weeks for {topic}?",
            "Where can I get help with {topic}?",
            "Is there a deadline for {topic}?",
            "What documents do I need for {topic}?",
            "Can a friend come with me about {topic}?",
            "Who do I call about {topic} at the weekend?",
            "First time asking about {topic}, what happens next?",
        ],
        [
            "I tried the council website but the form keeps timing out. I have two kids and "
            "work evenings, so mornings are best for me. Any tips from people who've done it?",
            "My neighbour told me to ask here. I don't want to waste anyone's time but I'm "
            "really not sure where to start and the letter I got is confusing.",
            "We moved here in the spring and don't know how things work yet. English is my "
            "second language, so simple answers would be great, thank you.",
        ],
        [
            "I had the same problem last year. Go in person on a Tuesday morning, it's quieter "
            "and they sorted it in one visit.",
            "Bring your tenancy agreement, two recent bank statements and photo ID. They "
            "copied everything there and then.",
            "Ask for a caseworker at the advice clinic, they helped me fill in the whole thing.",
            "It took about three weeks for me. Ring them after two if you've heard nothing.",
            "You can also start it online and finish it with someone at the centre.",
        ],
        [
            "food parcels",
            "housing benefit",
            "council tax",
            "school uniform grant",
            "energy vouchers",
            "the advice clinic",
            "debt advice",
            "a bailiff letter",
            "universal credit",
            "free school meals",
            "a hardship payment",
            "the winter coat drive",
            "baby formula",
            "a disability assessment",
            "bus passes",
            "the community kitchen",
            "volunteer shifts",
            "a DBS check",
            "Gift Aid",
            "a payroll giving scheme",
        ],
    ),
    "es": (
        0.15,
        [
            "¿Cómo solicito {topic}?",
            "¿Dónde me pueden ayudar con {topic}?",
            "¿Qué papeles necesito para {topic}?",
            "¿Alguien más está esperando {topic}?",
        ],
        [
            "Llegué hace poco y todavía no entiendo bien cómo funciona todo. Trabajo por las "
            "tardes y tengo dos hijos pequeños.",
            "Me dijeron que preguntara aquí. La carta que recibí no la entiendo del todo.",
        ],
        [
            "A mí me pasó lo mismo. Ve el martes por la mañana, hay menos gente.",
            "Lleva el contrato de alquiler, dos extractos del banco y tu documento de identidad.",
            "Pide cita con una trabajadora social, te ayudan a rellenarlo todo.",
        ],
        [
            "la ayuda para el alquiler",
            "las cestas de comida",
            "el bono de energía",
            "el comedor escolar",
            "la asesoría de deudas",
            "los cursos de idiomas",
        ],
    ),
    "fr": (
        0.10,
        [
            "Comment demander {topic} ?",
            "Où trouver de l'aide pour {topic} ?",
            "Quels papiers faut-il pour {topic} ?",
        ],
        [
            "Je suis arrivée récemment et je ne comprends pas encore comment tout fonctionne. "
            "Je travaille le soir.",
            "On m'a conseillé de demander ici. Le courrier que j'ai reçu n'est pas clair.",
        ],
        [
            "Même chose pour moi l'an dernier : allez-y le mardi matin, il y a moins de monde.",
            "Apportez votre bail, deux relevés bancaires et une pièce d'identité.",
            "Demandez un rendez-vous avec une assistante sociale, elle vous aide à tout remplir.",
        ],
        [
            "l'aide au logement",
            "les colis alimentaires",
            "le chèque énergie",
            "la cantine scolaire",
            "un conseil en surendettement",
        ],
    ),
    "fa": (
        0.10,
        [
            "چطور برای {topic} درخواست بدهم؟",
            "برای {topic} چه مدارکی لازم است؟",
            "کسی دربارهٔ {topic} تجربه دارد؟",
        ],
        [
            "تازه به این شهر آمده‌ایم و هنوز نمی‌دانیم کارها چطور انجام می‌شود. عصرها سر کار هستم.",
            "به من گفتند اینجا بپرسم. نامه‌ای که گرفته‌ام را درست نمی‌فهمم.",
        ],
        [
            "برای من هم همین‌طور بود. سه‌شنبه صبح بروید، خلوت‌تر است.",
            "اجاره‌نامه، دو صورت‌حساب بانکی و کارت شناسایی‌تان را ببرید.",
            "از مددکار وقت بگیرید؛ در پر کردن فرم کمک می‌کنند.",
        ],
        ["سبد غذایی", "کمک‌هزینهٔ اجاره", "مشاورهٔ حقوقی", "کلاس زبان", "کمک‌هزینهٔ دارو"],
    ),
    "km": (
        0.05,
        [
            "តើខ្ញុំអាចស្នើសុំ{topic}ដោយរបៀបណា?",
            "តើត្រូវការឯកសារអ្វីខ្លះសម្រាប់{topic}?",
        ],
        [
            "ខ្ញុំទើបតែផ្លាស់មករស់នៅទីនេះ ហើយមិនទាន់ដឹងថាត្រូវធ្វើយ៉ាងដូចម្តេចទេ។",
            "គេប្រាប់ខ្ញុំឲ្យមកសួរនៅទីនេះ។ ខ្ញុំមិនយល់លិខិតដែលខ្ញុំបានទទួលទេ។",
        ],
        [
            "ខ្ញុំក៏ធ្លាប់ជួបដូចគ្នា។ សូមទៅនៅព្រឹកថ្ងៃអង្គារ មនុស្សតិចជាង។",
            "សូមយកអត្តសញ្ញាណប័ណ្ណ និងសៀវភៅគ្រួសារទៅជាមួយ។",
        ],
        ["កញ្ចប់ស្បៀង", "ប័ណ្ណសមធម៌", "សម្ភារៈសិក្សា", "ការព្យាបាលដោយឥតគិតថ្លៃ"],
    ),
}
TAGS = {
    "en": ["housing", "food", "benefits", "debt", "energy", "school", "volunteering", "forms"],
    "es": ["vivienda", "comida", "ayudas", "deudas"],
    "fr": ["logement", "alimentation", "aides", "dettes"],
    "fa": ["مسکن", "غذا", "کمک‌هزینه"],
    "km": ["ស្បៀង", "សុខភាព", "ការសិក្សា"],
}


class Pool:
    """Every question text the generator writes, made once per combination: its title, its
    body, its tags and the spaced text the search vector is computed from."""

    def __init__(self):
        self.entries = []  # (language, title, body, spaced title, spaced body)
        self.weights = []
        self.answers = {}
        for language, (share, phrasings, bodies, answers, topics) in LANGUAGES.items():
            combos = [(p.format(topic=t), b) for p in phrasings for t in topics for b in bodies]
            for title, body in combos:
                self.entries.append(
                    (
                        language,
                        title,
                        body,
                        text.spaced(title, language),
                        text.spaced(body, language),
                    )
                )
                self.weights.append(share / len(combos))
            self.answers[language] = answers


def _answer_counts(rng, questions, answers):
    """How many answers each question gets: a skewed spread summing to ``answers``, one heavy
    question (the first) with ``HEAVY_ANSWERS`` and about one in six with none."""
    heavy = min(HEAVY_ANSWERS, answers // 2)
    counts = [0] * questions
    counts[0] = heavy
    weights = [0.0] + [
        0.0 if rng.random() < 0.17 else rng.paretovariate(2.2) for _ in range(questions - 1)
    ]
    total = sum(weights) or 1.0
    left = answers - heavy
    for index in range(1, questions):  # none beyond the heavy one
        counts[index] = min(int(weights[index] / total * left), heavy - 1)
    shortfall = answers - sum(counts)
    answered = [i for i in range(1, questions) if weights[i] > 0] or [0]
    while shortfall > 0:  # what rounding left, one more each, the heavy one last
        before = shortfall
        for index in answered:
            if shortfall and counts[index] < heavy - 1:
                counts[index] += 1
                shortfall -= 1
        if shortfall == before:
            counts[0] += shortfall
            shortfall = 0
    return counts


def _ids(cursor, table, count):
    """``count`` fresh ids for ``table`` (its identity moved past them)."""
    query = (
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
        "COALESCE((SELECT max(id) FROM {}), 0) + %s)"
    )
    cursor.execute(query.format(connection.ops.quote_name(table)), [table, count])
    last = cursor.fetchone()[0]
    return last - count + 1


def load(*, organization, space, questions, answers, members, seed=20):
    """Fill ``space`` (as the owner of the tables); returns what was made and how long it
    took."""
    rng = random.Random(seed)
    pool = Pool()
    now = timezone.now()
    started = time.perf_counter()
    org = str(organization.pk)
    with connection.cursor() as cursor:
        indexes = drop_indexes(cursor, TABLES)
        foreign_keys = drop_foreign_keys(cursor, TABLES)

        first_member = _ids(cursor, "community_member", members)
        member_ids = list(range(first_member, first_member + members))
        copy(
            cursor,
            "community_member",
            ("id", "organization_id", "email", "display_name", "status", "approved_posts"),
            (
                f"{member_id}\t{org}\tmember{n}@bench.example\tNeighbour {n:06d}\tactive\t5\n"
                for n, member_id in enumerate(member_ids)
            ),
        )

        counts = _answer_counts(rng, questions, answers)
        first_question = _ids(cursor, "community_question", questions)
        first_answer = _ids(cursor, "community_answer", answers)
        # 500,000 answers don't wait in memory: they go to a temporary file, then to COPY.
        answer_rows = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed after its COPY)
        vote_rows = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (as answers)
        question_rows, spaced, votes = [], [], 0
        answer_id = first_answer
        reputation = {}
        for index in range(questions):
            question_id = first_question + index
            language, title, body, spaced_title, spaced_body = rng.choices(
                pool.entries, weights=pool.weights
            )[0]
            tags = rng.sample(TAGS[language], k=rng.randint(1, 3))
            author = rng.choice(member_ids)
            asked = now - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
            last, first_answer_at, accepted = asked, None, None
            voters = rng.sample(member_ids, k=min(rng.choice((0, 0, 1, 2, 3, 8)), members))
            for voter in voters:
                vote_rows.write(f"{org}\t{voter}\t{question_id}\t{NULL}\t{asked.isoformat()}\n")
            votes += len(voters)
            reputation[author] = reputation.get(author, 0) + 5 * len(voters)
            for position in range(counts[index]):
                answered = last + timedelta(minutes=rng.randint(5, 3 * 24 * 60))
                answered = min(answered, now)
                last = answered
                first_answer_at = first_answer_at or answered
                is_accepted = accepted is None and position < 3 and rng.random() < 0.3
                if is_accepted:
                    accepted = answer_id
                answer_voters = rng.sample(member_ids, k=min(rng.choice((0, 0, 1, 2, 4)), members))
                answerer = rng.choice(member_ids)
                for voter in answer_voters:
                    vote_rows.write(
                        f"{org}\t{voter}\t{NULL}\t{answer_id}\t{answered.isoformat()}\n"
                    )
                votes += len(answer_voters)
                reputation[answerer] = reputation.get(answerer, 0) + 10 * len(answer_voters)
                answer_rows.write(
                    "\t".join(
                        [
                            str(answer_id),
                            org,
                            str(question_id),
                            str(answerer),
                            copy_text(rng.choice(pool.answers[language])),
                            "published",
                            str(len(answer_voters)),
                            "t" if is_accepted else "f",
                            answered.isoformat(),
                        ]
                    )
                    + "\n"
                )
                answer_id += 1
            question_rows.append(
                "\t".join(
                    [
                        str(question_id),
                        org,
                        str(space.pk),
                        str(author),
                        copy_text(title),
                        copy_text(body),
                        "{" + ",".join(f'"{tag}"' for tag in tags) + "}",
                        language,
                        "published",
                        str(len(voters)),
                        str(counts[index]),
                        str(accepted) if accepted else NULL,
                        asked.isoformat(),
                        first_answer_at.isoformat() if first_answer_at else NULL,
                        last.isoformat(),
                    ]
                )
                + "\n"
            )
            spaced.append(
                f"{question_id}\t{text.regconfig_for_language(language)}\t"
                f"{copy_text(spaced_title)}\t{copy_text(' '.join(tags))}\t"
                f"{copy_text(spaced_body)}\n"
            )
        copy(
            cursor,
            "community_question",
            (
                "id",
                "organization_id",
                "space_id",
                "author_id",
                "title",
                "body",
                "tags",
                "language",
                "status",
                "score",
                "answer_count",
                "accepted_answer_id",
                "created_at",
                "first_answer_at",
                "last_activity_at",
            ),
            iter(question_rows),
        )
        copy(
            cursor,
            "community_answer",
            (
                "id",
                "organization_id",
                "question_id",
                "author_id",
                "body",
                "status",
                "score",
                "is_accepted",
                "created_at",
            ),
            _lines_of(answer_rows),
        )
        answer_rows.close()
        copy(
            cursor,
            "community_vote",
            ("organization_id", "member_id", "question_id", "answer_id", "created_at"),
            _lines_of(vote_rows),
        )
        vote_rows.close()
        copied_s = time.perf_counter() - started

        # The search vector, as question_index writes it, from the spaced text.
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_question_text "
            "(id bigint PRIMARY KEY, config regconfig, title text, tags text, body text)"
        )
        cursor.copy_expert("COPY bench_question_text FROM STDIN", _Lines(spaced), size=1 << 20)
        cursor.execute(
            """
            UPDATE community_question q SET search_vector =
                setweight(to_tsvector(t.config, t.title), 'A')
                || setweight(to_tsvector(t.config, t.tags), 'B')
                || setweight(to_tsvector(t.config, t.body), 'C')
            FROM bench_question_text t WHERE q.id = t.id
            """
        )
        cursor.execute("DROP TABLE bench_question_text")
        cursor.execute(
            """
            UPDATE community_member m SET reputation = r.points
            FROM unnest(%s::bigint[], %s::int[]) AS r(id, points) WHERE m.id = r.id
            """,
            [list(reputation), list(reputation.values())],
        )
        create_indexes(cursor, indexes)
        add_foreign_keys(cursor, foreign_keys)
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
    return {
        "members": members,
        "questions": questions,
        "answers": answers,
        "votes": votes,
        "copy_s": round(copied_s, 1),
        "load_s": round(time.perf_counter() - started, 1),
    }


def _lines_of(file):
    file.seek(0)
    yield from file


class _Lines:
    def __init__(self, lines):
        self.lines = iter(lines)

    def read(self, size=-1):
        chunk = "".join(line for _n, line in zip(range(20_000), self.lines, strict=False))
        return chunk.encode()


def question_count(*, organization):
    """How many questions the organization has (to know whether a kept database is filled)."""
    from community.models import Question

    return Question.objects.filter(organization=organization).count()


def sample_ids(*, organization):
    """The questions a scenario times, found in the data (so a kept database works too): the
    one with most answers, a typical one (five answers, or the nearest) and an unanswered one."""
    from django.db.models import F, Func

    from community.models import PostStatus, Question

    published = Question.objects.filter(organization=organization, status=PostStatus.PUBLISHED)
    heavy = published.order_by("-answer_count", "id").values("id", "answer_count").first()
    typical = (
        published.filter(answer_count__gt=0)
        .annotate(distance=Func(F("answer_count") - 5, function="ABS"))
        .order_by("distance", "id")
        .values("id", "answer_count")
        .first()
    )
    unanswered = published.filter(answer_count=0).order_by("id").values("id").first() or heavy
    return {
        "heavy_question": heavy["id"],
        "heavy_answers": heavy["answer_count"],
        "typical_question": typical["id"],
        "typical_answers": typical["answer_count"],
        "unanswered_question": unanswered["id"],
    }
