"""`privacybot shell` driven through a pseudo-terminal, as a staff member types into it."""

from __future__ import annotations

import os
import sys

import pexpect

from privacybot.settings import PROJECT_ROOT


def test_shell_shows_a_cited_answer_with_its_details_and_its_commands_work(rasa_url):
    shell = pexpect.spawn(
        sys.executable,
        ["-m", "privacybot.cli.main", "shell"],
        cwd=str(PROJECT_ROOT),
        env=dict(os.environ),
        encoding="utf-8",
        timeout=60,
    )
    try:
        shell.expect("you> ")
        shell.sendline("What cookies do you use?")
        shell.expect(r"Section 5 \(Cookies, etc\.\)")
        shell.expect(r"outcome:\s+answer")
        shell.expect(r"sections:\s+\[5")
        shell.expect("you> ")

        shell.sendline("/debug")
        shell.expect("details off")
        shell.sendline("please delete my data")
        shell.expect("What name does the clinic know you by")
        shell.expect("you> ")
        assert "outcome:" not in shell.before

        shell.sendline("/reset")
        shell.expect("new conversation")
        shell.sendline("/debug")
        shell.expect("details on")
        shell.sendline("how 2 delet my info")
        shell.expect(r"Section 7 \(Disclosure, Correction")
        shell.expect(r"\[1\] Yes, make a request")
        shell.expect("you> ")
        shell.sendline("1")
        shell.expect("What would you like the clinic to do")
        shell.expect(r"\[\d\] Delete my data")
        shell.sendline("/quit")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    assert shell.exitstatus == 0
