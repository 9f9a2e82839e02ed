"""`privacybot`: staff tools for the privacy-policy assistant.

privacybot up                     train if needed, start everything, stop on Ctrl-C/SIGTERM
privacybot ask "question"         one question, with intent, outcome, sections and scores
privacybot evaluate FILE          accuracy on a question file (starts the assistant if needed)
privacybot bench                  accuracy against baselines, latency, start-up, memory
privacybot train [--force]        train the Rasa model when its data changed
privacybot check-corpus           validate the policy corpus and question bank
privacybot import-policy FILE     turn a policy (text, Markdown, HTML) into policy.md
privacybot rasa-shell             Rasa's own shell, with the action server running
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from privacybot.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="privacybot", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("up", help="train if needed and run the whole assistant in the foreground")

    ask = commands.add_parser("ask", help="ask one question and show how it was answered")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the raw REST reply")
    ask.add_argument("--lang", help="the patient's chosen language, as the widget sends it (ja)")

    shell = commands.add_parser("shell", help="interactive prompt: replies with their details")
    shell.add_argument("--lang", help="the patient's chosen language, as the widget sends it (ja)")

    evaluate = commands.add_parser("evaluate", help="evaluate on a question file")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--json", dest="json_out", type=Path, help="write results as JSON")
    evaluate.add_argument("--min-accuracy", type=float, help="exit 1 when accuracy is below this")
    evaluate.add_argument(
        "--in-process",
        action="store_true",
        help="the action server's assistant in this process, without Rasa's intent vote (quick; "
        "for a clinic's corpus via PRIVACYBOT_SETTINGS without a trained model for it)",
    )

    tune = commands.add_parser(
        "tune", help="choose the clinic's thresholds on its questions (split-half), as data"
    )
    tune.add_argument("file", type=Path, help="a question file of the clinic (dev set)")
    tune.add_argument("--lang", help="the language to tune (default: the clinic's first)")
    tune.add_argument("--write", action="store_true", help="write <corpus>/<lang>/tuning.yml")

    talks = commands.add_parser(
        "evaluate-conversations", help="evaluate multi-turn conversations (wholly right or not)"
    )
    talks.add_argument("file", type=Path)
    talks.add_argument("--min-accuracy", type=float, help="exit 1 below this share wholly right")
    talks.add_argument(
        "--in-process",
        action="store_true",
        help="the action server's assistant in this process, without Rasa (quick; a clinic's "
        "corpus via PRIVACYBOT_SETTINGS without a trained model; conversations with a form are "
        "left out)",
    )

    bench = commands.add_parser("bench", help="benchmark accuracy, latency, start-up and memory")
    bench.add_argument("--questions", type=Path, default=Path("tests/dev_questions.yml"))
    bench.add_argument(
        "--japanese", type=Path, default=Path("tests/ja_dev_questions.yml"), help="'' to skip"
    )
    bench.add_argument("--json", dest="json_out", type=Path)

    train = commands.add_parser("train", help="train the Rasa model when its data changed")
    train.add_argument("--force", action="store_true")

    commands.add_parser("check-corpus", help="validate the policy corpus files")
    importer = commands.add_parser(
        "import-policy",
        help="turn a policy as the clinic has it (text, Markdown, HTML) into policy.md",
    )
    importer.add_argument("file", type=Path, help="the policy: .txt, .md or .html")
    importer.add_argument("--out", type=Path, help="write policy.md here (default: stdout)")
    importer.add_argument("--clinic", help="the clinic's name for the front matter")
    importer.add_argument("--language", choices=["en", "ja"], help="default: from the text")
    importer.add_argument("--version", help="the policy's version or publication date")
    importer.add_argument("--title", help="default: the policy's own title")
    importer.add_argument(
        "--requests-section", type=int, help="the section on patients' requests (front matter)"
    )
    importer.add_argument("--force", action="store_true", help="overwrite an existing --out")
    commands.add_parser("rasa-shell", help="run 'rasa shell' with the action server running")
    commands.add_parser("hash-password", help="hash a staff password for clinic.yml")
    commands.add_parser("purge", help="delete conversations and drafts past their retention")
    recall = commands.add_parser(
        "redaction-recall", help="the redactor's recall on labelled sets, and messages altered"
    )
    recall.add_argument("files", nargs="+", type=Path, help="labelled sets (tests/*redaction*.yml)")
    recall.add_argument(
        "--show-misses", action="store_true", help="print what was missed (not for held-out sets)"
    )

    args = parser.parse_args(argv)
    handler = {
        "up": cmd_up,
        "ask": cmd_ask,
        "shell": cmd_shell,
        "evaluate": cmd_evaluate,
        "tune": cmd_tune,
        "evaluate-conversations": cmd_evaluate_conversations,
        "bench": cmd_bench,
        "train": cmd_train,
        "check-corpus": cmd_check_corpus,
        "import-policy": cmd_import_policy,
        "rasa-shell": cmd_rasa_shell,
        "hash-password": cmd_hash_password,
        "purge": cmd_purge,
        "redaction-recall": cmd_redaction_recall,
    }[args.command]
    from privacybot.launcher import LaunchError

    try:
        return handler(args)
    except LaunchError as error:
        print(f"privacybot: {error}", file=sys.stderr)
        return 2


@contextlib.contextmanager
def running_assistant() -> Iterator[str]:
    """The Rasa URL of a running assistant; starts one for the duration if nothing answers."""
    from privacybot.launcher import Assistant, ensure_trained, say
    from privacybot.rest_client import RestClient

    settings = get_settings()
    client = RestClient(settings.services.rasa_url)
    if client.is_up():
        yield settings.services.rasa_url
        return
    say(f"nothing answers at {settings.services.rasa_url}; starting the assistant for this run")
    ensure_trained()
    with Assistant(settings) as assistant:
        yield assistant.rasa_url


def cmd_up(args: argparse.Namespace) -> int:
    from privacybot.launcher import Assistant, ensure_trained, say

    settings = get_settings()
    ensure_trained()
    assistant = Assistant(settings)

    def stop_on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        assistant.start()
        say("press Ctrl-C to stop")
        for _ in assistant.wait():
            pass
    except KeyboardInterrupt:
        say("stopping")
    finally:
        assistant.stop()
        say("stopped")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from privacybot.rest_client import RestClient

    with running_assistant() as url:
        turn = RestClient(url).send(args.question, language=args.lang)
    if args.json:
        print(json.dumps(turn.messages, ensure_ascii=False, indent=2))
        return 0
    for text in turn.texts:
        print(text)
        print()
    print(format_details(turn.payload))
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    from privacybot.cli.shell import run_shell

    with running_assistant() as url:
        return run_shell(url, format_details, language=args.lang)


def format_details(payload: dict) -> str:
    scores = ", ".join(f"{s:.3f}" for s in payload.get("scores") or [])
    return (
        f"  intent:     {payload.get('intent', '-')} "
        f"(confidence {payload.get('confidence', 0):.2f})\n"
        f"  outcome:    {payload.get('outcome', '-')}"
        f"{'  (' + payload['language'] + ')' if payload.get('language') else ''}\n"
        f"  sections:   {payload.get('sections') or '-'}\n"
        f"  scores:     {scores or '-'}\n"
        f"  policy:     {payload.get('policy_version', '-')}"
    )


def cmd_evaluate_conversations(args: argparse.Namespace) -> int:
    from privacybot.evaluation import (
        EvaluationFileError,
        evaluate_conversations,
        in_process_turns,
        load_conversations,
        needs_forms,
    )
    from privacybot.rest_client import RestClient

    try:
        conversations = load_conversations(args.file)
    except EvaluationFileError as error:
        print(f"privacybot: {error}", file=sys.stderr)
        return 2
    if args.in_process:
        from privacybot.assistant import PolicyAssistant

        kept = [c for c in conversations if not needs_forms(c)]
        if len(kept) < len(conversations):
            print(f"left out {len(conversations) - len(kept)} conversations with a form")
        if not kept:
            print(
                "privacybot: every conversation has a form; run without --in-process",
                file=sys.stderr,
            )
            return 2
        results = evaluate_conversations(kept, in_process_turns(PolicyAssistant()))
    else:
        with running_assistant() as url:
            client = RestClient(url)

            def turn(sender: str, text: str) -> list[dict]:
                return [m.get("custom") or {} for m in client.send(text, sender).messages]

            results = evaluate_conversations(conversations, turn)
    for result in results:
        if not result.passed:
            print(f"FAIL  {result.id}")
            for t in result.turns:
                mark = "  ok " if t["passed"] else "  XX "
                got = f"{t['outcome']} {t['sections']}"
                print(f"{mark} expect {t['expect']} got {got}  {t['user']}")
    right = sum(r.passed for r in results)
    turns = [t for r in results for t in r.turns]
    share = right / len(results)
    print(f"conversations wholly right: {right}/{len(results)} = {share:.1%}")
    print(f"turns right: {sum(t['passed'] for t in turns)}/{len(turns)}")
    if args.min_accuracy is not None and share < args.min_accuracy:
        return 1
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    from privacybot.assistant import PolicyAssistant
    from privacybot.evaluation import EvaluationFileError, load_questions
    from privacybot.tuning import STEPS, best, run_grid, tuning_file, write_tuning

    try:
        questions = load_questions(args.file)
    except EvaluationFileError as error:
        print(f"privacybot: {error}", file=sys.stderr)
        return 2
    settings = get_settings()
    language = args.lang or settings.clinic.languages[0]
    if language not in settings.clinic.languages:
        print(
            f"privacybot: {language!r} is not one of {settings.clinic.languages}", file=sys.stderr
        )
        return 2
    assistant = PolicyAssistant(settings)
    understanding = assistant.by_language[language]
    trials = run_grid(
        understanding, questions, lambda q: assistant.respond(q, language=language).payload()
    )
    defaults = next(t for t in trials if not any(t.offsets))
    report = [
        f"{len(questions)} questions, {len(trials)} combinations of {', '.join(STEPS)}",
        f"defaults {defaults.values}: {defaults.accuracy():.1%}",
    ]
    for half, other in ((0, 1), (1, 0)):
        chosen = best(trials, other)
        report.append(
            f"half {half + 1}: {chosen.accuracy(half):.1%} with the values chosen on half "
            f"{other + 1} {chosen.values} (defaults there: {defaults.accuracy(half):.1%})"
        )
    overall = best(trials)
    report.append(f"all: {overall.accuracy():.1%} with {overall.values}")
    print("\n".join(report))
    if args.write:
        path = tuning_file(settings.corpus.resolved(), language)
        write_tuning(path, overall, args.file, report)
        print(f"written to {path}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from privacybot.evaluation import (
        EvaluationFileError,
        accuracy_by_label,
        evaluate,
        load_questions,
        report_json,
        summarise,
    )
    from privacybot.rest_client import RestClient

    try:
        questions = load_questions(args.file)
    except EvaluationFileError as error:
        print(f"privacybot: {error}", file=sys.stderr)
        return 2
    if args.in_process:
        from privacybot.assistant import PolicyAssistant

        assistant = PolicyAssistant()
        results = evaluate(questions, lambda q: assistant.respond(q).payload())
    else:
        with running_assistant() as url:
            client = RestClient(url)
            results = evaluate(questions, lambda q: client.send(q).payload)
    for r in results:
        if not r.passed:
            print(
                f"FAIL  expect {r.expect}  got {r.outcome} {r.sections[:3]}  "
                f"(intent {r.intent} {r.confidence:.2f})  {r.q}"
            )
    print()
    print("accuracy per expected label:")
    for label, (passed, total) in accuracy_by_label(results).items():
        name = f"section {label}" if label.isdigit() else label
        print(f"  {name:<14} {passed:>4}/{total:<4} {passed / total:6.1%}")
    summary = summarise(results)
    print(f"overall: {summary['passed']}/{summary['total']} = {summary['accuracy']:.1%}")
    if args.json_out:
        args.json_out.write_text(json.dumps(report_json(results), ensure_ascii=False, indent=2))
        print(f"results written to {args.json_out}")
    if args.min_accuracy is not None and summary["accuracy"] < args.min_accuracy:
        print(f"accuracy {summary['accuracy']:.1%} is below the floor {args.min_accuracy:.1%}")
        return 1
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from privacybot.benchmark import run_benchmark

    japanese = args.japanese if str(args.japanese) not in ("", ".") else None
    return run_benchmark(args.questions, args.json_out, japanese)


def cmd_train(args: argparse.Namespace) -> int:
    from privacybot.launcher import ensure_trained

    ensure_trained(force=args.force)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """One retention round, as the service runs it every purge interval."""
    from privacybot.conversation_store import ConversationStore
    from privacybot.desk.database import make_engine, make_session_factory
    from privacybot.desk.drafts import RequestDrafts
    from privacybot.desk.migrate import upgrade_database
    from privacybot.desk.service import RequestDesk
    from privacybot.insights.answers import AnswerLog
    from privacybot.line.inbox import LineInbox
    from privacybot.retention import purge

    settings = get_settings()
    url = settings.database.resolved_url()
    upgrade_database(url)
    sessions = make_session_factory(make_engine(url))
    conversations = ConversationStore(settings.conversations.resolved_url())
    purged = purge(
        settings.conversations,
        settings.insights,
        conversations,
        LineInbox(sessions),
        RequestDrafts(sessions),
        AnswerLog(sessions),
        RequestDesk(sessions, settings.clinic, requests=settings.requests),
    )
    print(
        f"purged {purged.conversation_events} conversation events, {purged.line_events} LINE "
        f"events, {purged.drafts} request drafts, {purged.answers} answer records, "
        f"{purged.unconfirmed_requests} unconfirmed requests"
    )
    return 0


def cmd_redaction_recall(args: argparse.Namespace) -> int:
    """Recall per kind and ordinary messages altered, per labelled set; misses only if asked
    (a held-out set's misses, once read, make it a development set)."""
    import time

    import yaml

    from privacybot.privacy.redaction import get_redactor
    from privacybot.privacy.redaction_eval import evaluate_redaction, format_recall_table

    redactor = get_redactor()
    for path in args.files:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        started = time.perf_counter()
        result = evaluate_redaction(items, redactor)
        per_message = (time.perf_counter() - started) / max(len(items), 1) * 1000
        print(f"{path} ({len(items)} messages, {per_message:.2f} ms a message)")
        print(format_recall_table(result))
        if args.show_misses:
            for miss in result["missed"]:
                print(f"  missed {miss['kind']} {miss['substring']!r} in {miss['redacted']!r}")
            for altered in result["ordinary_altered"]:
                print(f"  altered {altered['text']!r} -> {altered['redacted']!r}")
        print()
    return 0


def cmd_check_corpus(args: argparse.Namespace) -> int:
    from privacybot.corpus import (
        CorpusError,
        load_policy,
        load_question_bank,
        require_sections_to_cite,
    )
    from privacybot.retrieval.bridge import load_glossary

    corpus = get_settings().corpus
    try:
        languages = get_settings().clinic.languages
        for language in languages:
            policy = load_policy(corpus.quoted_policy_file(language, languages[0]))
            require_sections_to_cite(policy)
            bank = load_question_bank(corpus.question_bank_file(language), policy)
            glossary = load_glossary(corpus.glossary_file(language))
            print(
                f"{language}: {policy.path}: {len(policy.sections)} sections, "
                f"{len(policy.passages)} passages, version {policy.policy_version}; "
                f"{bank.path}: {len(bank.all_questions)} example questions"
                + (f"; glossary: {len(glossary)} terms" if glossary else "")
            )
    except CorpusError as error:
        print(f"privacybot: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_import_policy(args: argparse.Namespace) -> int:
    """Import a policy file; the result is checked with the corpus loader before it is kept."""
    from privacybot.corpus import CorpusError, load_policy
    from privacybot.corpus.importer import FORMAT_NAMES, check_markdown, import_policy

    out: Path | None = args.out
    if out is not None:
        if out.is_dir():
            print(f"privacybot: {out}: is a folder; give the file to write", file=sys.stderr)
            return 2
        if out.exists() and not args.force:
            print(
                f"privacybot: {out}: already exists and was left unchanged; use --force to "
                "overwrite it, or choose another --out",
                file=sys.stderr,
            )
            return 2
        if not out.parent.is_dir():
            print(f"privacybot: {out.parent}: no such folder", file=sys.stderr)
            return 2
    try:
        result = import_policy(
            args.file,
            clinic=args.clinic,
            language=args.language,
            version=args.version,
            title=args.title,
            requests_section=args.requests_section,
        )
    except CorpusError as error:
        print(f"privacybot: {error}", file=sys.stderr)
        return 2
    try:
        if out is None:
            policy = check_markdown(result.markdown)
        else:
            scratch = out.with_name(f".{out.name}.import")
            scratch.write_text(result.markdown, encoding="utf-8")
            try:
                policy = load_policy(scratch)
            except CorpusError:
                scratch.unlink()
                raise
            scratch.replace(out)
    except CorpusError as error:
        print(
            f"privacybot: the imported text does not pass the corpus check ({error}); "
            "nothing was written. Please report this with the source file.",
            file=sys.stderr,
        )
        return 2
    summary = sys.stderr if out is None else sys.stdout
    if out is None:
        sys.stdout.write(result.markdown)
        sys.stdout.flush()
    where = out if out is not None else "stdout"
    print(
        f"{args.file}: {FORMAT_NAMES[result.source_format]}, language {result.language} -> "
        f"{where}: {len(policy.sections)} sections, {len(policy.passages)} passages "
        "(checked with the corpus loader)",
        file=summary,
    )
    for section in policy.sections:
        print(f"  {section.number:>3}  {section.title}  ({len(section.passages)})", file=summary)
    if result.notes:
        print(f"{len(result.notes)} note(s) to check:", file=summary)
    for note in result.notes:
        print(f"{args.file}:{note.line}: {note.message}", file=summary)
    return 0


def cmd_rasa_shell(args: argparse.Namespace) -> int:
    from privacybot.launcher import (
        MODEL_FILE,
        PROJECT_ROOT,
        RASA_BIN,
        Assistant,
        child_environment,
        ensure_trained,
    )

    ensure_trained()
    assistant = Assistant(get_settings())
    actions = [s for s in assistant.services if s.name == "actions"]
    assistant.services = actions  # rasa shell runs its own Rasa server
    with assistant:
        return subprocess.call(
            [
                str(RASA_BIN),
                "shell",
                "--model",
                str(MODEL_FILE),
                "--endpoints",
                str(assistant.endpoints_file),
            ],
            cwd=PROJECT_ROOT,
            env=child_environment(),
        )


def cmd_hash_password(args: argparse.Namespace) -> int:
    import getpass

    from privacybot.api.passwords import hash_password

    password = getpass.getpass("staff password: ")
    if len(password) < 12:
        print("privacybot: use at least 12 characters", file=sys.stderr)
        return 2
    if getpass.getpass("again: ") != password:
        print("privacybot: the passwords differ", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
