"""The policy assistant: one patient message in, one reply out.

The order of decisions is the order of what matters most to a patient:
  1. an emergency is answered with the emergency number before anything else;
  2. a request to act on their data is recognised as a request, not a question;
  3. greetings, thanks and "are you a bot?" get short honest replies;
  4. anything outside personal information (bookings, fees, medical advice) is redirected;
  5. a policy question is answered by quoting the matching section, or honestly declined
     when the policy does not cover it.
Rasa's intent ranking, when given, is combined with the embedding classifier trained on the
same NLU examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from privacybot.corpus import load_policy, load_question_bank
from privacybot.desk.references import find_reference
from privacybot.replies import Outcome, Reply
from privacybot.replies.catalog import MessageCatalog
from privacybot.replies.reply import Citation
from privacybot.retrieval import SectionRanker, SectionRanking, build_policy_index
from privacybot.retrieval.embeddings import encode, encode_cached
from privacybot.settings import PROJECT_ROOT, Settings, get_settings
from privacybot.triage.emergency import EmergencyDetector
from privacybot.triage.intents import SMALLTALK_INTENTS, IntentClassifier
from privacybot.triage.nlu_examples import read_nlu_examples
from privacybot.triage.question_form import QuestionForm

MAX_MESSAGE_CHARS = 2000
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


class PolicyAssistant:
    def __init__(self, settings: Settings | None = None, language: str = "en") -> None:
        self.settings = settings or get_settings()
        encode(["warm up"])  # load the embedding model now, not on the first patient's message
        corpus = self.settings.corpus
        policy = load_policy(corpus.policy_file(language))
        bank = load_question_bank(corpus.question_bank_file(language), policy)
        # The question bank's questions are policy questions too: they teach the intent
        # classifier the short keyword queries and paraphrases patients use.
        examples = read_nlu_examples(NLU_DIR) + [(q, "ask_policy") for q in bank.all_questions]
        texts = [text for text, _ in examples]
        self.index = build_policy_index(policy, bank, CACHE_DIR, extra_vocabulary=texts)
        self.ranker = SectionRanker(self.index)
        self.intents = IntentClassifier(encode_cached(texts, CACHE_DIR), [i for _, i in examples])
        self.emergency = EmergencyDetector(language)
        self.question_form = QuestionForm()
        self.thresholds = TriageThresholds()
        self.catalog = MessageCatalog.for_clinic(self.settings.clinic, language)

    @property
    def policy(self):
        return self.index.policy

    def respond(self, message: str, rasa_intents: dict[str, float] | None = None) -> Reply:
        reply = self._respond(message, rasa_intents)
        if rasa_intents:
            top = sorted(rasa_intents.items(), key=lambda item: item[1], reverse=True)[:3]
            reply.rasa_intents = {name: round(p, 4) for name, p in top}
        return reply

    def _respond(self, message: str, rasa_intents: dict[str, float] | None) -> Reply:
        text = " ".join((message or "").split())[:MAX_MESSAGE_CHARS]
        if not text:
            return self._reply(Outcome.FALLBACK, self.catalog.say("empty"), "empty", 1.0)
        corrected = self.index.analyzer.correct(text)
        vector = encode([corrected])[0]
        by_meaning = self.intents.predict(vector)
        intents = self._combine(by_meaning, rasa_intents)
        intent = _plausible_intent(intents, text)
        confidence = intents[intent]

        # 1. Emergency: an emergency phrase, the meaning of the message, or both classifiers
        # together putting emergency first; whatever else the message says.
        emergency_probability = by_meaning.get("emergency", 0.0)
        if (
            self.emergency.matches(text)
            or emergency_probability >= self.thresholds.emergency
            or intent == "emergency"
        ):
            return self._reply(
                Outcome.EMERGENCY,
                self.catalog.say("emergency"),
                "emergency",
                max(emergency_probability, intents.get("emergency", 0.0)),
            )
        # 2. "Forget this conversation": the chat itself, deleted by the channel after this turn.
        if intent == "forget_conversation":
            return self._reply(Outcome.FORGET, self.catalog.say("forget"), intent, confidence)
        # 3. A request to act on their data (asking how to make one is a policy question).
        if intent == "make_request" and self.question_form.asks_how_to(text):
            intent = "ask_policy"
        if intent == "make_request":
            return self._reply(
                Outcome.REQUEST, self.catalog.say("request"), intent, confidence, sections=[7]
            )
        ranking = self.ranker.rank_vector(text, corrected, vector)
        # 4-5. Small talk and other topics, unless it is clearly a policy question after all.
        if intent in SMALLTALK_INTENTS or intent == "out_of_scope":
            if (
                ranking.covered
                and ranking.scores[0] >= self.thresholds.confident_answer
                and intents.get("ask_policy", 0.0) >= self.thresholds.policy_vote
            ):
                return self._answer(ranking, intent, confidence)
            if intent == "out_of_scope":
                return self._reply(
                    Outcome.OUT_OF_SCOPE, self.catalog.say("out_of_scope"), intent, confidence
                )
            return self._reply(Outcome.SMALLTALK, self.catalog.say(intent), intent, confidence)
        if intent in ("affirm", "deny", "cancel"):
            return self._reply(
                Outcome.SMALLTALK, self.catalog.say("acknowledge"), intent, confidence
            )
        if intent == "ask_request_status":
            return self._reply(
                Outcome.REQUEST, self.catalog.say("status_ask_reference"), intent, confidence
            )
        # 6. A policy question: quote the section, or say honestly that the policy is silent.
        if not ranking.covered:
            return self._reply(
                Outcome.NOT_COVERED,
                self.catalog.say("not_covered"),
                intent,
                confidence,
                scores=ranking.scores[:3],
            )
        return self._answer(ranking, intent, confidence)

    def is_emergency(self, message: str) -> bool:
        """The emergency check on its own, for text typed into a form."""
        text = " ".join((message or "").split())[:MAX_MESSAGE_CHARS]
        if not text:
            return False
        if self.emergency.matches(text):
            return True
        vector = encode([self.index.analyzer.correct(text)])[0]
        return self.intents.predict(vector).get("emergency", 0.0) >= self.thresholds.emergency

    def emergency_reply(self) -> Reply:
        return self._reply(Outcome.EMERGENCY, self.catalog.say("emergency"), "emergency", 1.0)

    def _combine(
        self, embedding: dict[str, float], rasa: dict[str, float] | None
    ) -> dict[str, float]:
        if not rasa:
            return embedding
        weight = self.thresholds.rasa_weight
        known = {i: p for i, p in rasa.items() if i in embedding}
        total = sum(known.values())
        if total <= 0:
            return embedding
        return {
            i: (1 - weight) * p + weight * known.get(i, 0.0) / total for i, p in embedding.items()
        }

    def _answer(self, ranking: SectionRanking, intent: str, confidence: float) -> Reply:
        section = self.policy.section(ranking.sections[0])
        citation = Citation(
            section=section.number,
            title=section.title,
            passages=[
                {"id": p.id, "text": p.text, "context": list(p.context)} for p in ranking.passages
            ],
        )
        lead = self.catalog.say("answer_lead", citation=citation.label)
        quotes = "\n".join(_quote(p) for p in citation.passages)
        footer = self.catalog.say("answer_footer", policy_version=self.policy.policy_version)
        return Reply(
            outcome=Outcome.ANSWER,
            text=f"{lead}\n{quotes}\n{footer}",
            intent=intent,
            confidence=confidence,
            sections=ranking.sections[:3],
            scores=ranking.scores[:3],
            policy_version=self.policy.policy_version,
            lead=lead,
            citations=[citation],
        )

    def _reply(
        self,
        outcome: Outcome,
        text: str,
        intent: str,
        confidence: float,
        sections: list[int] | None = None,
        scores: list[float] | None = None,
    ) -> Reply:
        return Reply(
            outcome=outcome,
            text=text,
            intent=intent,
            confidence=confidence,
            sections=sections or [],
            scores=scores or [],
            policy_version=self.policy.policy_version,
        )


# Short dialogue acts: "yes", "no", "cancel". A longer message classified as one of them
# ("cancel my appointment tomorrow at 3") means something else.
DIALOGUE_ACTS = {"affirm", "deny", "cancel"}
DIALOGUE_ACT_MAX_WORDS = 4
CHAT_WORDS = re.compile(
    r"\b(conversation|chat|chats|messages?|history|transcript|thread|log|typed|said)\b", re.I
)
STATUS_WORDS = re.compile(r"\b(status|progress|update on|track|handled|processed|done)\b", re.I)


def _plausible_intent(intents: dict[str, float], text: str) -> str:
    """The best intent that fits the message's form: a dialogue act only for a short reply,
    a status question only with a reference number or a word about progress."""
    excluded = set()
    if len(text.split()) > DIALOGUE_ACT_MAX_WORDS:
        excluded |= DIALOGUE_ACTS
    if not (find_reference(text) or STATUS_WORDS.search(text)):
        excluded.add("ask_request_status")
    if not CHAT_WORDS.search(text):
        excluded.add("forget_conversation")
    candidates = {i: p for i, p in intents.items() if i not in excluded} or intents
    return max(candidates, key=candidates.get)


def _quote(passage: dict) -> str:
    context = " › ".join(passage["context"])
    prefix = f"[{context}] " if context else ""
    return f"{prefix}“{passage['text']}”"
