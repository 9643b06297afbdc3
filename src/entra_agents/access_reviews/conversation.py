"""The reviewer conversation: a plain read-eval-print loop over the reviewer's decisions.

Questions are routed to the deterministic handlers in ``conversation_answers`` (offline, no model). Decisions
are recorded only through ``record.record_decisions`` with the reviewer's session, and only after the reviewer
typed "yes" to a prompt that showed exactly what will be written; anything else cancels and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from entra_agents.access_reviews import conversation_answers as answers
from entra_agents.access_reviews.conversation_pending import Pending
from entra_agents.access_reviews.record import Decision, DecisionWrite, ReviewerSession, record_decisions

Ask = Callable[[str], str]  # shows a prompt, returns the reviewer's line (EOFError when input ends)
Say = Callable[[str], None]

_DECIDE = re.compile(r"^(approve|deny|don'?t know|dontknow)\s+(.+?)(?:\s+because\s+(.+))?$", re.I)
_DECIDE_ID = re.compile(r"^decide\s+(\S+)\s+(approve|deny|dontknow)(?:\s+because\s+(.+))?$", re.I)
_WHY = re.compile(r"^why\s+(?:(?:do\s+you\s+|does\s+it\s+|would\s+you\s+)?(approve|deny)\s+)?(.+)$", re.I)
_ACCEPT_ALL = re.compile(r"^accept\s+all(\s+recommendations?)?$", re.I)
_SHOW = re.compile(r"^(show|list)(\s+(my\s+)?(recommendations?|decisions?|pending))?$", re.I)


@dataclass
class Conversation:
    session: ReviewerSession
    items: list[Pending]
    tenant: str
    """The ``--tenant`` spec, for hints ("run the agent with --tenant ...")."""
    ask: Ask
    """Blocking input is fine here: the conversation is the only thing the event loop runs."""
    say: Say
    now: datetime | None = None

    async def loop(self) -> None:
        self.say(f"Signed in as {self.session.reviewer.label}. You review {len(self.items)} decision(s).")
        self.say(answers.show(self.items, self.tenant))
        self.say('Ask a question, decide, or say "help".')
        while True:
            try:
                line = self.ask("review> ").strip()
            except EOFError:
                return
            if line.lower() in ("quit", "exit", "bye", "q"):
                return
            if line:
                await self.handle(line)

    async def handle(self, line: str) -> None:
        text = line.rstrip("?!. ")
        if text.lower() in ("help", "?", "h"):
            self.say(answers.HELP)
        elif _SHOW.match(text):
            self.say(answers.show(self.items, self.tenant))
        elif _ACCEPT_ALL.match(text):
            await self.accept_all()
        elif m := _DECIDE_ID.match(text):
            await self.decide(m.group(1), _decision(m.group(2)), m.group(3))
        elif m := _DECIDE.match(text):
            await self.decide(m.group(2), _decision(m.group(1)), m.group(3))
        elif m := _WHY.match(text):
            item = self.one(m.group(2))
            if item is not None:
                self.say(answers.why(item, m.group(1), self.tenant))
        elif re.match(r"^(who|which|list|show)\b", text, re.I) and not (q := answers.parse_question(text)).empty:
            self.say(answers.answer(q, self.items, self.now))
        else:
            self.say('I can answer questions about your decisions and record them; say "help" for what I '
                     "understand.")

    # --------------------------------------------------------------------------------------- resolving

    def one(self, ref: str) -> Pending | None:
        """The one decision ``ref`` means; several matches are asked back (never guessed), none is said."""
        found = answers.resolve(ref, self.items)
        if not found:
            self.say(answers.not_found(ref))
            return None
        if len(found) > 1:
            self.say(answers.ask_back(ref, found))
            choice = self.ask("number> ").strip()
            found = [c for c in found if choice.isdigit() and c.number == int(choice)]
            if not found:
                self.say("Not one of those numbers; nothing was done.")
                return None
        return found[0]

    # ----------------------------------------------------------------------------------------- deciding

    async def decide(self, ref: str, decision: Decision, reason: str | None) -> None:
        item = self.one(ref)
        if item is None:
            return
        justification = (reason or "").strip() or self._default_justification(item, decision)
        if not justification:
            return
        self.say(f"About to record in Graph, as {self.session.reviewer.label}:")
        self.say(f"  {decision} for {item.name} in {item.resource} (decision {item.decision_id})")
        self.say(f"  justification: {justification}")
        if item.decided:
            self.say(f"  NOTE: this replaces the decision already recorded: {item.current} by "
                     f"{answers.reviewed_by(item)}.")
        await self._confirm_and_write([(item, decision, justification)])

    def _default_justification(self, item: Pending, decision: Decision) -> str:
        """The agent's justification when the reviewer follows its recommendation; otherwise the reviewer's own
        (asked for: Graph keeps it for the auditors, and a silent decision against the agent helps nobody)."""
        if item.recommendation == decision and item.justification:
            return _agreed(item.justification)
        typed = self.ask("Justification (required; empty cancels)> ").strip()
        if not typed:
            self.say("Cancelled; nothing was written.")
        return typed

    async def accept_all(self) -> None:
        chosen = [(i, rec) for i in self.items if (rec := _approve_or_deny(i.recommendation)) and not i.decided]
        no_info = [i for i in self.items if i.recommendation == "NoInfoAvailable" and not i.decided]
        missing = [i for i in self.items if i.suggestion is None and not i.decided]
        done = [i for i in self.items if i.decided]
        for group, why in ((no_info, "NoInfoAvailable: decide these yourself"),
                           (missing, "no recommendation yet"), (done, "already decided, not overwritten")):
            if group:
                self.say(f"Skipping {len(group)} ({why}): " + ", ".join(f"[{i.number}] {i.name}" for i in group))
        if not chosen:
            self.say("No recommendation to accept; nothing was written.")
            return
        self.say(f"About to record {len(chosen)} decision(s) in Graph, as {self.session.reviewer.label}:")
        for item, rec in chosen:
            self.say(f"  {rec}: {item.line()}")
        await self._confirm_and_write([(i, rec, _agreed(i.justification or rec)) for i, rec in chosen])

    async def _confirm_and_write(self, plan: list[tuple[Pending, Decision, str]]) -> None:
        if self.ask('Type "yes" to record, anything else cancels> ').strip().lower() not in ("yes", "y"):
            self.say("Cancelled; nothing was written.")
            return
        writes = [DecisionWrite(str(i.definition["id"]), str(i.instance["id"]), i.decision_id, d, j)
                  for i, d, j in plan]
        outcomes = await record_decisions(self.session, writes)
        reviewer = self.session.reviewer
        for (item, decision, justification), outcome in zip(plan, outcomes, strict=True):
            if outcome.ok:
                item.decision.update(decision=decision, justification=justification, reviewedBy={
                    "id": reviewer.object_id, "displayName": reviewer.display_name,
                    "userPrincipalName": reviewer.user_principal_name})
                self.say(f"Recorded {decision} for [{item.number}] {item.name} as {reviewer.label}.")
            else:
                self.say(f"NOT recorded for [{item.number}] {item.name}: {outcome.detail}")


def _agreed(justification: str) -> str:
    return f"Agreed with the access review agent's recommendation: {justification}"


def _approve_or_deny(recommendation: str | None) -> Decision | None:
    # NoInfoAvailable (and no recommendation) is never accepted in bulk: the agent had nothing to go on
    return "Approve" if recommendation == "Approve" else "Deny" if recommendation == "Deny" else None


def _decision(word: str) -> Decision:
    low = word.lower().replace("'", "").replace(" ", "")
    return "Approve" if low == "approve" else "Deny" if low == "deny" else "DontKnow"
