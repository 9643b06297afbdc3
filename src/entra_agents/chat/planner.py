"""The offline chat's planner: route the question to a skill, extract its arguments, render the answer.

Routing is BM25 over each skill's description and ExamplePrompts (``routing.py``), arguments come from
``extract.py``, and the answer is ``render.py``'s template over the tool result. When an argument the skill
needs is missing (a sign-in question without a user) the planner asks back instead of calling the tool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from entra_agents.chat import render
from entra_agents.chat.coverage import check_for
from entra_agents.chat.extract import Question, extract, user_guess
from entra_agents.chat.names import NameIndex, words
from entra_agents.chat.routing import Router, RoutingDocument
from entra_agents.runtime.models.offline import parse_inputs
from entra_agents.runtime.models.router import ToolResult, ToolStep

Step = ToolStep | str
# kinds of mention that make a skill likelier (routing.ENTITY_BONUS), per skill
ENTITY_KINDS: dict[str, frozenset[str]] = {
    "WhatIf": frozenset({"signin"}), "ExplainPolicy": frozenset({"policy"}),
    "LookUpObject": frozenset({"user", "group", "role", "app", "location"}),
    "ExplainSuggestion": frozenset({"suggestion"}), "ProposeSuggestionEdit": frozenset({"edit"}),
    "ConfirmSuggestionEdit": frozenset({"confirm"}),
}
HELP = ("I can answer questions about coverage (which users are not protected by MFA?), sign-ins "
        "(what happens when a user signs in from Android with the Outlook app?), policies (explain CA001), "
        "objects by name, findings, the optimization agent's suggestions (list, explain, edit their users), "
        "sign-in activity and access reviews.")


def documents(catalog: Any, skill: Any) -> list[RoutingDocument]:
    """One routing document per child skill of the interactive agent: description + example prompts."""
    docs = []
    for ref in skill.child_skills:
        child = catalog.skill(ref)
        text = " ".join([child.description, *child.example_prompts])
        docs.append(RoutingDocument(child.name, text, ENTITY_KINDS.get(child.name, frozenset())))
    return docs


class ChatPlanner:
    def __init__(self, router: Router, index: NameIndex) -> None:
        self.router = router
        self.index = index
        self.last_route: list[tuple[str, float]] = []  # for /explain: how the last question was routed

    def next_step(self, user_text: str, tools: set[str], results: list[ToolResult]) -> Step:
        inputs = parse_inputs(user_text)
        question = str(inputs.get("UserRequest") or user_text)
        if results:
            last = results[-1]
            return render.render(last.skill, last.value)
        self.last_route = []
        q = extract(question, self.index)
        if q.cancels:
            return "Cancelled: nothing was changed." if inputs.get("PendingEdit") else "There is nothing to cancel."
        if q.confirms or q.token:
            token = q.token or str(inputs.get("PendingEdit") or "")
            if not token:
                return "There is no pending change to confirm. Ask for a change first, e.g. exclude group X from suggestion 1."
            return ToolStep("ConfirmSuggestionEdit", {"token": token})
        routes = [r for r in self.router.rank(question, q.kinds_present()) if r.skill in tools]
        self.last_route = [(r.skill, r.score) for r in routes[:3]]
        if not routes or routes[0].score <= 0:
            return HELP
        return ARGUMENTS[routes[0].skill](self, q)

    # argument builders, one per skill ---------------------------------------------------------------
    def _coverage(self, q: Question) -> Step:
        return ToolStep("CoverageGaps", {"topic": check_for(q.text)})

    def _what_if(self, q: Question) -> Step:
        users = q.of("user")
        user = q.reference(users[0]) if users else user_guess(q.text)
        if not user:
            return "Whose sign-in should I evaluate? Name the user, e.g. what happens when NAME signs in from Android?"
        apps = [m for m in q.of("app") if not m.kinds & {"user"}]
        args = {"user": user, "app": q.reference(apps[0]) if apps else "All", "client": q.client or "browser",
                "platform": q.platform, "location": q.location, "sign_in_risk": q.sign_in_risk,
                "user_risk": q.user_risk, "flow": q.flow}
        return ToolStep("WhatIf", {k: v for k, v in args.items() if v not in ("", "none")} | {"user": user})

    def _policy(self, q: Question) -> Step:
        named = q.of("policy")
        if named:
            return ToolStep("ExplainPolicy", {"policy": q.reference(named[0])})
        # "the policy that blocks legacy authentication": the policy whose name shares the most words
        said = set(words(q.text)) - {"policy", "the", "that", "explain", "what", "does", "do"}
        scored = sorted(((len(said & set(words(o.name))), o.name, o) for o in self.index.objects.values()
                         if o.kind == "policy"), key=lambda t: (-t[0], t[1]))
        if scored and scored[0][0] >= 2 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            return ToolStep("ExplainPolicy", {"policy": scored[0][2].id})
        names = ", ".join(render.cite(o.to_json()) for *_, o in scored)
        return f"Which policy do you mean? This tenant has: {names}."

    def _look_up(self, q: Question) -> Step:
        if q.mentions:
            return ToolStep("LookUpObject", {"name": q.reference(q.mentions[0])})
        quoted = _quoted(q.text)
        return ToolStep("LookUpObject", {"name": quoted}) if quoted else "Which name should I look up?"

    def _findings(self, q: Question) -> Step:
        return ToolStep("ListFindings", {"status": "fail"} if "fail" in words(q.text) else {})

    def _sign_ins(self, q: Question) -> Step:
        args = {}
        if users := q.of("user"):
            args["user"] = q.reference(users[0])
        if apps := [m for m in q.of("app") if "user" not in m.kinds]:
            args["app"] = q.reference(apps[0])
        return ToolStep("SignInSummary", args)

    def _reviews(self, q: Question) -> Step:
        quoted = _quoted(q.text)
        return ToolStep("AccessReviewStatus", {"review": quoted} if quoted else {})

    def _suggestions(self, q: Question) -> Step:
        return ToolStep("ListSuggestions", {"status": q.status} if q.status else {})

    def _suggestion(self, q: Question) -> Step:
        return ToolStep("ExplainSuggestion", {"suggestion": q.suggestion or "1"})

    def _edit(self, q: Question) -> Step:
        targets = q.of("user", "group", "role")
        if not q.suggestion:
            return "Which suggestion should I change? Give its rank (e.g. suggestion 2) or its id."
        if not targets:
            return "Which users, groups or roles should I include or exclude? Name them."
        return ToolStep("ProposeSuggestionEdit", {"suggestion": q.suggestion, "action": q.edit_action or "exclude",
                                                  "objects": [q.reference(m) for m in targets]})

    def _confirm(self, q: Question) -> Step:
        return "There is no pending change to confirm."


def _quoted(text: str) -> str:
    for quote in ('"', "'", "\u201c"):
        if quote in text:
            parts = text.replace("\u201d", "\u201c").split(quote)
            if len(parts) >= 3 and parts[1].strip():
                return parts[1].strip()
    return ""


ARGUMENTS: dict[str, Callable[[ChatPlanner, Question], Step]] = {
    "CoverageGaps": ChatPlanner._coverage, "WhatIf": ChatPlanner._what_if, "ExplainPolicy": ChatPlanner._policy,
    "LookUpObject": ChatPlanner._look_up, "ListFindings": ChatPlanner._findings,
    "SignInSummary": ChatPlanner._sign_ins, "AccessReviewStatus": ChatPlanner._reviews,
    "ListSuggestions": ChatPlanner._suggestions, "ExplainSuggestion": ChatPlanner._suggestion,
    "ProposeSuggestionEdit": ChatPlanner._edit, "ConfirmSuggestionEdit": ChatPlanner._confirm,
}


def build_planner(catalog: Any, skill: Any, index: NameIndex) -> ChatPlanner:
    return ChatPlanner(Router(documents(catalog, skill)), index)
