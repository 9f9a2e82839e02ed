"""The policy assistant: one patient message in, one reply out, in the patient's language.

The order of decisions is the order of what matters most to a patient:
  1. an emergency is answered with the emergency number before anything else;
  2. a request to act on their data is recognised as a request, not a question;
  3. greetings, thanks and "are you a bot?" get short honest replies;
  4. anything outside personal information (bookings, fees, medical advice) is redirected;
  5. a policy question is answered by quoting the matching section, or honestly declined
     when the policy does not cover it.
Each of the clinic's languages has its own reader, intent classifier and section ranker
(`LanguageAssistant`); `PolicyAssistant` picks the one that can read the message and answers
in the language the patient writes in (or chose, when the message does not show it).
Rasa's intent ranking, when given, is combined with the classifier trained on the same NLU
examples.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from privacybot.corpus import Policy, load_policy, load_question_bank, require_sections_to_cite
from privacybot.desk.confirmation import CODE_DIGITS, find_code
from privacybot.desk.references import find_reference
from privacybot.dialogue.context import AnswerContext, Turn, policy_terms
from privacybot.handoff.form import is_yes, kind_from_text
from privacybot.replies import NextStep, Outcome, Reply
from privacybot.replies.catalog import MessageCatalog
from privacybot.replies.reply import Citation
from privacybot.retrieval import SectionRanker, SectionRanking, build_policy_index
from privacybot.retrieval.bridge import PassageBridge, load_glossary
from privacybot.retrieval.embeddings import encode
from privacybot.retrieval.index import bank_entries
from privacybot.retrieval.ranker import RankerWeights
from privacybot.retrieval.readers import READERS, make_reader
from privacybot.settings import PROJECT_ROOT, Settings, get_settings
from privacybot.text.language import detect_language, is_japanese
from privacybot.text.romaji import looks_like_romaji
from privacybot.topics import (
    BroadQuestions,
    TopicKnowledge,
    enriched_bank,
    load_groups,
    load_topics,
    place_topics,
    placement_rule,
)
from privacybot.triage.cues import cues_for
from privacybot.triage.emergency import EmergencyDetector
from privacybot.triage.intents import SMALLTALK_INTENTS, IntentClassifier
from privacybot.triage.nlu_examples import read_nlu_examples
from privacybot.tuning import read_tuning, tuning_file

MAX_MESSAGE_CHARS = 2000
# A broad answer quotes at most this many sections and passages in all.
MAX_SECTIONS = 3
MAX_PASSAGES = 5
# Privacy topics (privacybot/topics/) of the policy's section on patients' requests.
REQUEST_TOPICS = ("correction_deletion", "access_rights")
# ...and of the section saying whom to contact.
CONTACT_TOPICS = ("contact",)
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
CACHE_DIR = PROJECT_ROOT / ".cache" / "embeddings"


@dataclass(frozen=True)
class TriageThresholds:
    """Decision thresholds, chosen by split-half validation on tests/dev_questions.yml
    (tuned on one half, checked on the other; see docs/benchmarks.md)."""

    # Embedding classifier's emergency probability that counts as an emergency even without
    # an emergency phrase. Every emergency of the dev set scores >= 0.64 or has a phrase.
    emergency: float = 0.5
    # Rasa's DIET ranking is sharp but over-confident on paraphrases: it gets a minority vote.
    rasa_weight: float = 0.4
    # A greeting or an out-of-scope guess still gets a policy answer when retrieval is this sure.
    confident_answer: float = 0.55
    # ...provided the classifiers give a policy question at least this much of a chance
    # ("Do you accept national health insurance?" resembles section 3 but is not about data).
    policy_vote: float = 0.10
    # A question the policy does not answer still gets the nearest passage quoted (after
    # saying plainly that the policy does not mention it) when it is at least this similar.
    nearest_passage: float = 0.45
    # The classifier's probability of a question about this chat that counts as one without
    # a word for the chat in it. Questions of the kind, our own wording, score 0.7-0.97 (some
    # 0.36); others addressed to "you" ("will you notify me if you get hacked?") up to 0.41.
    chat_question: float = 0.6
    # Emergency first among the intents only once those that do not fit the message's form are
    # set aside ("I won't be needing the portal anymore, close my account" reads most like
    # "cancel", a short reply's act): it counts from this probability.
    emergency_by_elimination: float = 0.3
    # A close second counts too: a life at risk said indirectly ("...after I'm gone, I won't be
    # needing them") reads half like a policy question. Emergency this likely, and this close
    # to the first intent, is taken for one: a redirect costs less than a missed emergency.
    emergency_close: float = 0.35
    emergency_margin: float = 0.1


# Japanese: chosen on tests/ja_dev_questions.yml the same way (tuned on one half, checked on
# the other; docs/benchmarks.md). Rasa's DIET splits words at spaces, which Japanese does not
# have, so its ranking gets no vote. TF-IDF similarities run lower than embedding ones, hence
# the lower thresholds; keywords (SudachiPy words) weigh more than in English.
THRESHOLDS = {
    "en": (TriageThresholds(), RankerWeights()),
    "ja": (
        TriageThresholds(
            emergency=0.5, rasa_weight=0.0, confident_answer=0.45, nearest_passage=0.30
        ),
        RankerWeights(bank=0.7, passage=0.2, keywords=0.5, min_score=0.16),
    ),
}


# A clinic with no example questions of its own is matched by the privacy topics' questions,
# placed by the machine and so less sure than a clinic's own: its passages weigh more. Chosen
# on the dev sets of Hollowbrook and SAKURA's policy alone (docs/benchmarks.md); Japanese kept
# its weights (no better on Midorinomori's or SAKURA's Japanese questions). Its passages are
# also found by e5's question-to-document retrieval beside MiniLM (`retrieval`, see
# retrieval/passage_search.py), asked when MiniLM leaves two sections close: +5 points on
# Hollowbrook, SAKURA alone unchanged, for 9 ms more CPU a question; no better for Japanese
# or for a clinic with its own bank. A clinic's tuning file can set `retrieval: 0`.
TOPICS_ONLY_WEIGHTS = {"en": RankerWeights(bank=0.4, passage=0.8, retrieval=0.5)}


def nlu_examples(language: str) -> list[tuple[str, str]]:
    """Rasa's training examples of one language: data/nlu/<language>/ (English: data/nlu/)."""
    directory = NLU_DIR / language
    return read_nlu_examples(directory if directory.is_dir() else NLU_DIR)


class LanguageAssistant:
    """Understanding of one language: its reader, intent classifier, section ranker and cues."""

    def __init__(self, settings: Settings, language: str) -> None:
        self.language = language
        published = settings.clinic.languages[0]
        policy = load_policy(settings.corpus.quoted_policy_file(language, published))
        require_sections_to_cite(policy)
        own_bank = load_question_bank(settings.corpus.question_bank_file(language), policy)
        topics = load_topics(language) if settings.corpus.privacy_topics else []
        topic_texts = [t for topic in topics for t in (*topic.statements, *topic.questions)]
        groups = load_groups(language, topics)
        broad_questions = [q for g in groups for q in g.questions]
        passages = [p.with_context() for p in policy.passages]
        nlu = nlu_examples(language)
        reader = make_reader(
            language,
            passages
            + bank_entries(own_bank)[0]
            + [t for t, _ in nlu]
            + topic_texts
            + broad_questions,
            CACHE_DIR,
        )
        self.reader = reader
        # The topics are placed in the policy when it is in this language, or when the reader
        # compares across languages (e5: Japanese topics in an English policy); otherwise a
        # policy quoted from another language is reached through the glossary bridge alone.
        self.knowledge = TopicKnowledge()
        self.broad: BroadQuestions | None = None
        bank = own_bank
        if topics and (policy.language == language or reader.reads_across_languages):
            rule = placement_rule(language, policy.language)
            placement = place_topics(policy, topics, reader.vectors(passages), reader.vectors, rule)
            self.knowledge = TopicKnowledge(topics, placement)
            bank = enriched_bank(own_bank, topics, placement, rule)
            if groups:
                narrow = list(dict.fromkeys([*bank.all_questions, *topic_texts]))
                self.broad = BroadQuestions(
                    groups,
                    self.knowledge,
                    reader.vectors(broad_questions),
                    reader.vectors(narrow),
                    rule,
                )
        # The question bank's questions are policy questions too: they teach the intent
        # classifier the short keyword queries and paraphrases patients use.
        examples = nlu + [(q, "ask_policy") for q in bank.all_questions]
        texts = [text for text, _ in examples]
        # The language's defaults, with the clinic's own tuned values over them (tuning.py).
        thresholds, weights = THRESHOLDS.get(language, THRESHOLDS["en"])
        if not own_bank.all_questions:
            weights = TOPICS_ONLY_WEIGHTS.get(language, weights)
        self.thresholds, weights = read_tuning(
            tuning_file(settings.corpus.resolved(), language), thresholds, weights
        )
        self.index = build_policy_index(policy, bank, reader)
        self.ranker = SectionRanker(self.index, weights)
        self.intents = IntentClassifier(reader.vectors(texts), [i for _, i in examples])
        self.emergency = EmergencyDetector(language)
        self.cues = cues_for(language)
        self.retention_days = settings.conversations.retention_days
        # The words the assistant knows the policy by (its passages, the clinic's example
        # questions, the privacy topics): what a question may carry over to its follow-ups.
        self.policy_words = {
            w for t in [*passages, *bank.all_questions, *topic_texts] for w in reader.keywords(t)
        }
        # ...and the words of the policy's own text, which a thanks or a goodbye ("ok thanks a
        # lot, goodbye") does not use, however many example questions say "ok".
        self.passage_words = {w for t in passages for w in reader.keywords(t)}
        # The sections that tell patients how to have their data disclosed, corrected or
        # deleted, best first: cited with a request, and followed by the hand-off offer.
        named = [policy.requests_section] if policy.requests_section is not None else []
        found = self.knowledge.sections_about(*REQUEST_TOPICS)
        self.request_sections = named + [n for n in found if n not in named]
        # The sections that say whom to contact: where the policy speaks of it, else the
        # section on requests (which names where to send them).
        about_contact = self.knowledge.sections_about(*CONTACT_TOPICS)
        self.contact_sections = about_contact + [
            n for n in self.request_sections if n not in about_contact
        ]
        # Set by PolicyAssistant when the quoted policy is in another language.
        self.bridge: PassageBridge | None = None

    @property
    def policy(self) -> Policy:
        return self.index.policy

    def respond(
        self,
        text: str,
        rasa_intents: dict[str, float] | None,
        catalog: MessageCatalog,
        turn: Turn | None = None,
    ) -> Reply:
        turn = turn or Turn()
        corrected = self.reader.correct(text)
        vector = self.reader.vector(corrected)
        by_meaning = self.intents.predict(vector)
        intents = self._combine(by_meaning, rasa_intents)
        intent = self._plausible_intent(intents, text)
        confidence = intents[intent]
        reply = _Replies(catalog, self.policy)
        form = self._form_of(text, turn)
        previous, follows, elliptical = form.previous, form.follows, form.elliptical
        leans_back, asks_how, acts = form.leans_back, form.asks_how, form.acts
        # Taken for a question about this chat (step 5) only when sure, or with a word for the
        # chat, and never for an ellipsis or an order; else the classifiers' next choice.
        classified_so = (
            intent in CHAT_QUESTIONS
            and (intents[intent] >= self.thresholds.chat_question or self.cues.mentions_chat(text))
            and not self.cues.asks_again(text)
            and not acts  # "stop sending me LINE messages" asks the clinic to act
        )
        if intent == "ask_about_this_chat" and not classified_so:
            others = {i: p for i, p in intents.items() if i not in CHAT_QUESTIONS}
            intent = self._plausible_intent(others, text) if others else intent
            confidence = intents[intent]

        # 1. Emergency: an emergency phrase, the meaning of the message, or both classifiers
        # together putting emergency first (or a close second); whatever else the message says.
        # An ellipsis is never one on the classifiers' ranking alone, with or without an answer
        # before it ("and if I refuse?" opening a conversation): phrases and meaning still are.
        # Nor is asking whom to contact ("who should I write to about that?").
        bare = (
            elliptical
            or (self.cues.opens_as_follow_up(text) and self.cues.is_elliptical(text))
            or self.cues.asks_whom_to_contact(text)
        )
        emergency_probability = by_meaning.get("emergency", 0.0)
        close_second = emergency_probability >= self.thresholds.emergency_close and (
            max(by_meaning.values()) - emergency_probability <= self.thresholds.emergency_margin
        )
        ranked_first = intent == "emergency" and (
            max(intents, key=intents.get) == "emergency"
            or intents["emergency"] >= self.thresholds.emergency_by_elimination
        )
        # A confirmation code typed when one is awaited ("the code is 482 119") is a string of
        # digits the classifiers cannot read: only an emergency phrase around it counts.
        typed_code = bool(turn.awaiting_confirmation and find_code(text))
        # Nor is a follow-up that only names what the last answer is about ("what about my
        # kids?" after one on who sees the records reads like a worried parent on its own).
        names_only = form.follows and self.cues.names_only(text)
        if self.emergency.matches(text) or (
            not typed_code
            and not names_only
            and (
                emergency_probability >= self.thresholds.emergency
                or ((ranked_first or close_second) and not bare)
            )
        ):
            return reply.say(
                Outcome.EMERGENCY,
                "emergency",
                "emergency",
                max(emergency_probability, intents.get("emergency", 0.0)),
            )
        # 2. "Forget this conversation": the chat itself, deleted by the channel after this turn.
        # Asking how it is done is a question about the chat (step 5), whose answer says how.
        # So is an order to delete what was said here that names none of the patient's data
        # ("forget everything I just said"), whatever the classifiers' vote for a request.
        if (
            intent == "make_request"
            and self.cues.speaks_of_chat(text)
            and not self.cues.names_data(text)
            and not text.rstrip().endswith(("?", "？"))
            and not self.cues.asks_a_question(text)
        ):
            intent = "forget_conversation"
        if intent == "forget_conversation" and not asks_how:
            return reply.say(Outcome.FORGET, "forget", intent, confidence)
        # 2b. The code from the acknowledgment of the request this conversation just made.
        if typed_code:
            code = reply.say(
                Outcome.REQUEST, "code_unavailable", "confirm_request", 1.0, digits=CODE_DIGITS
            )
            code.next_step = NextStep.CONFIRM_CODE
            return code
        # 3. "Yes" to the offer of passing a request on, after an answer about requests.
        # Naming the kind of request in a short reply ("deletion, please") accepts it too.
        names_kind = self.cues.is_short_reply(text) and kind_from_text(text) not in (None, "other")
        if turn.handoff_offered and (
            intent == "affirm"
            or is_yes(text)
            or turn.accepted_offer
            or names_kind
            or self.cues.accepts_offer(text)
        ):
            answer = reply.say(Outcome.REQUEST, "request", intent, confidence)
            answer.next_step = NextStep.REQUEST_FORM
            return answer
        # 4. A request to act on their data (asking how to make one is a policy question; a
        # follow-up to an answer is a question unless it asks the clinic to act).
        # A question that names no kind of request ("Hi, I'm Ken, ken@example.com, who sees
        # my results?") is a question, whatever the contact details around it suggest.
        # A question that names no kind of request, or one opening with a question word
        # ("what sort of stuff is in my file", "why can't you just wipe it?") that gives no order.
        questioning = (text.rstrip().endswith(("?", "？")) and kind_from_text(text) is None) or (
            self.cues.asks_a_question(text) and not acts
        )
        # After an answer, a request worded as a question ("thanks! and deleting my records,
        # can I?", 「消してって言ったら消してくれる？」) is answered, and a request offered.
        asked_after_answer = (
            turn.context is not None
            and turn.context.continuable
            and (text.rstrip().endswith(("?", "？")))
        )
        if intent == "make_request" and (
            asks_how or asked_after_answer or ((follows or questioning) and not acts)
        ):
            intent = "ask_policy"
        elif (
            intent == "ask_policy"
            and acts
            and not asked_after_answer
            and kind_from_text(text) not in (None, "other")
        ):
            intent = "make_request"
        if intent == "make_request":
            request = reply.say(
                Outcome.REQUEST, "request", intent, confidence, sections=self.request_sections[:1]
            )
            request.next_step = NextStep.REQUEST_FORM
            return request
        if intent == "ask_request_status":
            status = reply.say(Outcome.REQUEST, "status_ask_reference", intent, confidence)
            status.next_step = NextStep.STATUS_FORM
            return status
        # 5. This chat itself ("are my messages stored?"): the assistant's own notice. Worded
        # as one (the language's cues), it is; taken for one by the classifiers (above), it is
        # when the policy has no sure answer ("will you ask me before changing the policy?" is
        # the policy's). So is a follow-up to the notice that the policy does not answer surely.
        # ("Is this a bot?" is small talk.)
        worded_so = self.cues.asks_about_this_chat(text) and not (
            intent == "bot_challenge" and self.cues.is_short_reply(text)
        )
        follows_notice = (
            follows
            and previous.outcome == Outcome.CHAT_PRIVACY
            and intent not in GREETINGS
            and not self.cues.turns_to_records(text)  # "and my patient file, how long is it kept?"
            # "for how long", "and do the doctors read it?"; not a booking question
            and (intent != "out_of_scope" or leans_back)
        )
        if worded_so or classified_so or follows_notice:
            alone = self.ranker.rank_vector(text, corrected, vector)
            policy_sure = alone.covered and alone.scores[0] >= self.thresholds.confident_answer
            if (
                worded_so
                or (classified_so and not policy_sure)
                or (
                    follows_notice
                    and (leans_back or not (alone.covered and self._sure(alone, intents)))
                )
            ):
                return self._continued(
                    reply.say(
                        Outcome.CHAT_PRIVACY,
                        "chat_privacy",
                        intent,
                        confidence,
                        retention_days=self.retention_days,
                    ),
                    text,
                    previous,
                )
        # 5b. Whom to contact or where to write ("who can I talk to about that?"): the policy's
        # contact section, whatever "that" was (a kind of request named is a request's question).
        # Asking for a telephone number, an address or an e-mail ("number for them?"): the
        # section just quoted when it gives them, else the nearest section that does.
        details = self.cues.asks_for_contact_details(text) and kind_from_text(text) is None
        if details and self.policy.contact_detail_sections:
            alone = self.ranker.rank_vector(text, corrected, vector)
            giving = self.policy.contact_detail_sections
            last = turn.context.sections[:1] if turn.context else []
            lead = (
                last[0]
                if last and last[0] in giving
                else next(n for n in alone.sections if n in giving)
            )
            contact = self.ranker.led_by(alone, lead)
            return self._answer(reply, contact, intent, confidence, text, previous, turn, vector)
        if (
            self.contact_sections
            and (self.cues.asks_whom_to_contact(text) or details)
            and kind_from_text(text) is None
        ):
            alone = self.ranker.rank_vector(text, corrected, vector)
            contact = self.ranker.led_by(alone, self.contact_sections[0])
            return self._answer(reply, contact, intent, confidence, text, previous, turn, vector)
        ranking = self._ranking(text, corrected, vector, previous, elliptical, leans_back)
        if (turn.in_form and intent not in DIALOGUE_ACTS) or (
            leans_back
            and (
                intent not in GREETINGS
                or any(w in self.passage_words for w in form.own_terms)
                or asks_how
            )
        ):
            # "why?", "and the pharmacy?" read as small talk or another topic on their own.
            intent = "ask_policy"
        carried = previous
        # 6-7. Small talk and other topics, unless it is clearly a policy question after all.
        if intent in SMALLTALK_INTENTS or intent == "out_of_scope":
            if ranking.covered and self._sure(ranking, intents):
                return self._answer(reply, ranking, intent, confidence, text, carried, turn, vector)
            if intent == "out_of_scope":
                return reply.say(Outcome.OUT_OF_SCOPE, "out_of_scope", intent, confidence)
            smalltalk = reply.say(Outcome.SMALLTALK, intent, intent, confidence)
            smalltalk.context = turn.context.to_slot() if turn.context else None
            return smalltalk
        if intent in DIALOGUE_ACTS:
            acknowledged = reply.say(Outcome.SMALLTALK, "acknowledge", intent, confidence)
            acknowledged.context = turn.context.to_slot() if turn.context else None
            return acknowledged
        # 8. A policy question: quote the section, or say honestly that the policy is silent.
        if not ranking.covered:
            top = ranking.sections[0]
            if ranking.signals["passage"][top] >= self.thresholds.nearest_passage:
                silent = reply.nearest(self._bridged(ranking), intent, confidence, turn)
            else:
                silent = reply.say(
                    Outcome.NOT_COVERED,
                    "not_covered",
                    intent,
                    confidence,
                    scores=ranking.scores[:3],
                )
            return self._continued(silent, text, carried)
        return self._answer(reply, ranking, intent, confidence, text, carried, turn, vector)

    def _form_of(self, text: str, turn: Turn) -> MessageForm:
        """How the message is worded, and how it stands to the last answer."""
        previous = turn.context if turn.context and turn.context.continuable else None
        follows = previous is not None and self.cues.continues(text)
        elliptical = follows and self.cues.is_elliptical(text)
        asks_how = self.cues.asks_how_to(text)
        return MessageForm(
            previous=previous if follows else None,
            follows=follows,
            elliptical=elliptical,
            leans_back=elliptical or (follows and self.cues.refers_back(text)),
            asks_how=asks_how,
            acts=not asks_how and self.cues.asks_for_action(text),
            own_terms=policy_terms(self.reader.keywords(text), self.policy_words, []),
        )

    def _sure(self, ranking: SectionRanking, intents: dict[str, float]) -> bool:
        """Retrieval is sure enough to answer a message the classifiers took for another kind."""
        return (
            ranking.scores[0] >= self.thresholds.confident_answer
            and intents.get("ask_policy", 0.0) >= self.thresholds.policy_vote
        )

    def _ranking(
        self,
        text: str,
        corrected: str,
        vector,
        previous: AnswerContext | None,
        elliptical: bool = False,
        refers_back: bool = False,
    ) -> SectionRanking:
        """The sections that answer `text`; a follow-up is read with the words it continues
        ("and the pharmacy?" after a question about who sees the records). A short one is
        answered alone only when that is surer; a longer one is read alone unless the policy
        has nothing for it alone."""
        alone = self.ranker.rank_vector(text, corrected, vector)
        if previous is None or not previous.terms or previous.language != self.language:
            return alone
        joined = f"{text} {' '.join(previous.terms)}"
        joined_corrected = self.reader.correct(joined)
        together = self.ranker.rank_vector(
            joined, joined_corrected, self.reader.vector(joined_corrected)
        )
        together.question, together.corrected = text, corrected
        asks_again = self.cues.asks_again(text)
        if (
            alone.declined(self.ranker.weights.declined_margin)
            and not asks_again
            and not self.cues.names_only(text)
        ):
            # Its own words are a topic the policy does not speak of ("how long do you store
            # it?" after an answer on what counts as sensitive): not answered from the last one.
            return alone
        if asks_again or not alone.covered:
            chosen = together
        elif not elliptical:
            # One that points back ("do they work at the surgery?" after the section on the
            # data protection officer) continues the section just quoted when, read alone, it
            # comes nearly as close to that section as to any.
            last = previous.sections[0] if previous.sections else None
            scores = dict(zip(alone.sections, alone.scores, strict=True))
            if (
                refers_back
                and last in scores
                and scores[last] >= alone.scores[0] - self.ranker.weights.continue_margin
            ):
                return self.ranker.led_by(alone, last)
            return alone
        elif alone.covered != together.covered:
            # "and the police?" after "the policy does not say" about employers: its own answer.
            return alone
        else:
            chosen = alone if alone.scores[0] > together.scores[0] else together
        # Read with the last answer, it is nearest the section just quoted: it continues it
        # ("do I need to send ID with it?" after the section on asking for one's records).
        if (
            not chosen.covered
            and previous.sections
            and chosen.sections[0] == previous.sections[0]
            and chosen.scores[0] >= self.ranker.weights.min_score
        ):
            chosen.covered = True
        return chosen

    def _answer(
        self,
        reply: _Replies,
        ranking: SectionRanking,
        intent: str,
        confidence: float,
        text: str,
        previous: AnswerContext | None,
        turn: Turn,
        vector,
    ) -> Reply:
        ranking = self._bridged(ranking)
        more = self._other_sections(ranking, vector)
        answer = reply.answer(ranking, intent, confidence, turn, more)
        # An answer led by a section on patients' requests (asking for one's records, having
        # them corrected or deleted) is followed by the offer to pass one to the clinic.
        answer.offer_handoff = bool(answer.sections) and answer.sections[0] in self.request_sections
        return self._continued(answer, text, previous)

    def _continued(self, answer: Reply, text: str, previous: AnswerContext | None) -> Reply:
        """The reply, with what it was about for the next message to continue."""
        earlier = previous.terms if previous else []
        answer.follow_up = previous is not None
        answer.context = AnswerContext(
            outcome=str(answer.outcome),
            sections=answer.sections[:3],
            terms=policy_terms(self.reader.keywords(text), self.policy_words, earlier),
            language=self.language,
        ).to_slot()
        return answer

    def _other_sections(self, ranking: SectionRanking, vector) -> list[tuple[int, list]]:
        """For a broad question, the other sections its answer spans, in the ranking's order,
        each with its passages closest to the question (a cap a patient can read)."""
        spans = self.broad.sections_for(vector) if self.broad else []
        if len(spans) < 2 or ranking.passage_similarity is None:
            return []
        if ranking.sections[0] not in spans:
            # (Leading with a spanned section instead of the ranking's best was tried: fewer
            # right on the dev sets, docs/benchmarks.md.)
            return []
        others = [n for n in ranking.sections[1:] if n in spans][: MAX_SECTIONS - 1]
        room = MAX_PASSAGES - len(ranking.passages)
        more = []
        for number in others:
            quoted = self.ranker.best_passages(number, ranking.passage_similarity, limit=1)
            if room <= 0:
                break
            more.append((number, quoted[:room]))
            room -= len(quoted)
        return more

    def _bridged(self, ranking: SectionRanking) -> SectionRanking:
        """Through the glossary, the passages of a policy in another language that answer."""
        if self.bridge is not None:
            words = self.reader.keywords(ranking.corrected)
            ranking.passages = self.bridge.passages(ranking.sections[0], words) or ranking.passages
        return ranking

    def is_emergency(self, text: str) -> bool:
        if self.emergency.matches(text):
            return True
        vector = self.reader.vector(self.reader.correct(text))
        return self.intents.predict(vector).get("emergency", 0.0) >= self.thresholds.emergency

    def _combine(
        self, embedding: dict[str, float], rasa: dict[str, float] | None
    ) -> dict[str, float]:
        weight = self.thresholds.rasa_weight
        if not rasa or weight <= 0:
            return embedding
        known = {i: p for i, p in rasa.items() if i in embedding}
        total = sum(known.values())
        if total <= 0:
            return embedding
        return {
            i: (1 - weight) * p + weight * known.get(i, 0.0) / total for i, p in embedding.items()
        }

    def _plausible_intent(self, intents: dict[str, float], text: str) -> str:
        """The best intent that fits the message's form: a dialogue act only for a short reply,
        a status question only with a reference number or a word about progress."""
        excluded = set()
        if not self.cues.is_short_reply(text):
            excluded |= DIALOGUE_ACTS
            if text.rstrip().endswith(("?", "？")) or self.cues.asks_a_question(text):
                # "thanks! and if the checkup was arranged by my company?" asks something.
                excluded |= GREETINGS
        if not (find_reference(text) or self.cues.speaks_of_progress(text)):
            excluded.add("ask_request_status")
        if not self.cues.speaks_of_chat(text):
            excluded.add("forget_conversation")
        candidates = {i: p for i, p in intents.items() if i not in excluded} or intents
        return max(candidates, key=candidates.get)


class PolicyAssistant:
    """The assistant in every language of the clinic (clinic.yml `clinic.languages`)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        # One thread at a time reads a message: SudachiPy's tokenizer cannot be shared, and on a
        # small machine the turns' CPU work gains nothing from threads (the action server runs
        # actions in threads only so that calls to the service do not hold other turns up).
        self._lock = threading.RLock()
        self.languages = list(self.settings.clinic.languages)
        self.default_language = self.languages[0]
        # Each language's wording, cues and reader are checked before anything is built, so a
        # language the assistant cannot speak is refused at start with the file to write.
        self.catalogs = {
            code: MessageCatalog.for_clinic(self.settings.clinic, code) for code in self.languages
        }
        for code in self.languages:
            cues_for(code)
            if code not in READERS:
                make_reader(code, [], CACHE_DIR)  # raises NoReaderError, saying what to do
        encode(["warm up"])  # the embedding model loads now, not on the first patient's message
        self.by_language = {code: LanguageAssistant(self.settings, code) for code in self.languages}
        for code, understanding in self.by_language.items():
            quoted = understanding.policy.language
            glossary = load_glossary(self.settings.corpus.glossary_file(code))
            if quoted != code and quoted in self.by_language:
                # Quoting another language's policy: its sections, placed in that language.
                understanding.request_sections = self.by_language[quoted].request_sections
                understanding.contact_sections = self.by_language[quoted].contact_sections
                if glossary:
                    understanding.bridge = PassageBridge(glossary, self.by_language[quoted].ranker)

    # The default language's parts, for the benchmark and the staff tools.
    @property
    def policy(self) -> Policy:
        return self.by_language[self.default_language].policy

    @property
    def index(self):
        return self.by_language[self.default_language].index

    @property
    def ranker(self) -> SectionRanker:
        return self.by_language[self.default_language].ranker

    @property
    def catalog(self) -> MessageCatalog:
        return self.catalogs[self.default_language]

    def language_of(self, message: str, hint: str | None = None) -> str:
        """The language to answer in: the message's own, else the hint (the conversation's or
        the channel's language), else the clinic's first language."""
        for code in (detect_language(message or ""), hint):
            if code in self.catalogs:
                return code
        return self.default_language

    def respond(
        self,
        message: str,
        rasa_intents: dict[str, float] | None = None,
        language: str | None = None,
        turn: Turn | None = None,
    ) -> Reply:
        """The reply to one message; `language` is the conversation's language so far, `turn`
        what the conversation knows (the last answer's context, an offer made)."""
        with self._lock:
            return self._respond(message, rasa_intents, language, turn)

    def _respond(
        self,
        message: str,
        rasa_intents: dict[str, float] | None,
        language: str | None,
        turn: Turn | None,
    ) -> Reply:
        text = " ".join((message or "").split())[:MAX_MESSAGE_CHARS]
        reply_language = self.language_of(text, language)
        catalog = self.catalogs[reply_language]
        if not text:
            reply = _Replies(catalog, self.policy).say(Outcome.FALLBACK, "empty", "empty", 1.0)
        else:
            understanding = self._understanding(text, reply_language)
            if self._emergency_in_other_language(text, understanding):
                reply = _Replies(catalog, understanding.policy).say(
                    Outcome.EMERGENCY, "emergency", "emergency", 1.0
                )
            else:
                if turn is not None and turn.handoff_offered:
                    turn.accepted_offer = text in {
                        c.say("handoff_offer_yes") for c in self.catalogs.values()
                    }
                reply = understanding.respond(text, rasa_intents, catalog, turn)
        reply.language = reply_language
        if rasa_intents:
            top = sorted(rasa_intents.items(), key=lambda item: item[1], reverse=True)[:3]
            reply.rasa_intents = {name: round(p, 4) for name, p in top}
        return reply

    def is_emergency(self, message: str) -> bool:
        """The emergency check on its own, for text typed into a form."""
        text = " ".join((message or "").split())[:MAX_MESSAGE_CHARS]
        if not text:
            return False
        with self._lock:
            understanding = self._understanding(text, self.default_language)
            return understanding.is_emergency(text) or self._emergency_in_other_language(
                text, understanding
            )

    def emergency_reply(self, language: str | None = None) -> Reply:
        catalog = self.catalogs.get(language or "", self.catalog)
        reply = _Replies(catalog, self.policy).say(Outcome.EMERGENCY, "emergency", "emergency", 1.0)
        reply.language = catalog.language
        return reply

    def _understanding(self, text: str, reply_language: str) -> LanguageAssistant:
        """Japanese script or romaji is read by the Japanese reader; Latin text by the English
        one ("IDFA" in a Japanese conversation), whatever language the reply is in."""
        if "ja" in self.by_language and (is_japanese(text) or looks_like_romaji(text)):
            return self.by_language["ja"]
        if "en" in self.by_language and not is_japanese(text):
            return self.by_language["en"]
        return self.by_language[reply_language]

    def _emergency_in_other_language(self, text: str, understanding: LanguageAssistant) -> bool:
        """An emergency phrase of any language counts ("help 救急車")."""
        return any(
            other.emergency.matches(text)
            for other in self.by_language.values()
            if other is not understanding
        )


@dataclass(frozen=True)
class MessageForm:
    """How a message is worded, read by the language's cues (triage/cue_words/)."""

    previous: AnswerContext | None  # the last answer, when the message continues it
    follows: bool  # continues the last answer ("and the pharmacy?", "so who DO you tell?")
    elliptical: bool  # too short to be read alone ("and my kids?", "why?")
    leans_back: bool  # ...or points back at it ("how long do you keep it?")
    asks_how: bool  # asks how to do something ("how do I get a copy?")
    acts: bool  # asks the clinic to act ("please delete it"), not how to
    own_terms: list[str]  # the message's words that are words of the policy


# Short dialogue acts: "yes", "no", "cancel".
DIALOGUE_ACTS = {"affirm", "deny", "cancel"}
# Small talk that a longer message asking a question only opens with ("Hi, ... who sees...?").
GREETINGS = {"greet", "thank", "goodbye"}
# Intents answered from the assistant's own notice: a question about this chat, and asking how
# to have it forgotten (step 2 forgets only when asked to).
CHAT_QUESTIONS = {"ask_about_this_chat", "forget_conversation"}


class _Replies:
    """Builds replies in one catalogue's language, quoting one policy."""

    def __init__(self, catalog: MessageCatalog, policy: Policy) -> None:
        self.catalog = catalog
        self.policy = policy

    def say(
        self,
        outcome: Outcome,
        key: str,
        intent: str,
        confidence: float,
        sections: list[int] | None = None,
        scores: list[float] | None = None,
        **values: object,
    ) -> Reply:
        return Reply(
            outcome=outcome,
            text=self.catalog.say(key, **values),
            intent=intent,
            confidence=confidence,
            sections=sections or [],
            scores=scores or [],
            policy_version=self.policy.policy_version,
        )

    def answer(
        self,
        ranking: SectionRanking,
        intent: str,
        confidence: float,
        turn: Turn,
        more: list[tuple[int, list]] | None = None,
    ) -> Reply:
        """The section's passages that answer, quoted under a lead naming the section (and,
        for a broad question, the other sections' under theirs); the policy's version and the
        contact once per conversation (and in every citation)."""
        citations = [self._citation(ranking)]
        for number, passages in more or []:
            citations.append(self._citation_of(number, passages))
        same_language = self.policy.language == self.catalog.language
        if len(citations) > 1:
            lead_key = "answer_lead_several" if same_language else "answer_lead_several_original"
            labels = self.catalog.say("citation_separator").join(c.label for c in citations)
            lead = self.catalog.say(lead_key, citations=labels)
        else:
            lead_key = "answer_lead" if same_language else "answer_lead_original_language"
            lead = self.catalog.say(lead_key, citation=citations[0].label)
        return self._quoting(Outcome.ANSWER, lead, citations, ranking, intent, confidence, turn)

    def nearest(self, ranking: SectionRanking, intent: str, confidence: float, turn: Turn) -> Reply:
        """The policy does not answer it: said plainly first, then the nearest passage, which
        is never presented as the answer (the outcome stays "not covered")."""
        citation = self._citation(ranking, limit=1)
        lead = self.catalog.say("not_covered_nearest", citation=citation.label)
        reply = self._quoting(
            Outcome.NOT_COVERED, lead, [citation], ranking, intent, confidence, turn
        )
        reply.sections = []
        return reply

    def _citation(self, ranking: SectionRanking, limit: int = 2) -> Citation:
        return self._citation_of(ranking.sections[0], ranking.passages[:limit])

    def _citation_of(self, number: int, passages: list) -> Citation:
        section = self.policy.section(number)
        return Citation(
            section=section.number,
            title=section.title,
            passages=[{"id": p.id, "text": p.text, "context": list(p.context)} for p in passages],
            label=self.catalog.say("citation", number=section.number, title=section.title),
        )

    def _quoting(
        self,
        outcome: Outcome,
        lead: str,
        citations: list[Citation],
        ranking: SectionRanking,
        intent: str,
        confidence: float,
        turn: Turn,
    ) -> Reply:
        version = self.policy.policy_version
        lines = [lead]
        for citation in citations:
            if len(citations) > 1:
                lines.append(citation.label)
            lines.extend(_quote(p) for p in citation.passages)
        if turn.shown_version != version:
            lines.append(self.catalog.say("answer_footer", policy_version=version))
        return Reply(
            outcome=outcome,
            text="\n".join(lines),
            intent=intent,
            confidence=confidence,
            sections=[c.section for c in citations]
            + [n for n in ranking.sections if n not in {c.section for c in citations}][
                : max(0, 3 - len(citations))
            ],
            scores=ranking.scores[:3],
            policy_version=version,
            lead=lead,
            citations=citations,
            shown_version=version,
        )


def _quote(passage: dict) -> str:
    context = " › ".join(passage["context"])
    prefix = f"[{context}] " if context else ""
    return f"{prefix}“{passage['text']}”"
