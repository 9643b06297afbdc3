"""Groups: break-glass exclusion, dynamic department and company groups, nested team groups, projects.

Dynamic groups carry their resolved ``members`` (what ``GET /groups/{id}/members`` returns once Entra has
processed the rule). Team groups are static and nested under a static '<Department> Teams' group, so
transitive membership matters; each team's first member leads it and is its members' manager.
"""

from __future__ import annotations

from collections.abc import Sequence

from .names import DEPARTMENTS, PROJECT_CODENAMES, TEAM_SUFFIXES
from .state import JSON, Tenant, before_epoch


def group(t: Tenant, stream: str, name: str, members: Sequence[str], *, description: str,
          rule: str | None = None, unified: bool = False, role_assignable: bool = False) -> JSON:
    """A Graph group; ``members`` are direct member ids (users or groups), as the tenant file stores them."""
    nickname = "".join(ch for ch in name if ch.isalnum())[:64] or "group"
    return t.add_group({
        "id": t.new_id(f"groups:{stream}"),
        "displayName": name,
        "description": description,
        "mailEnabled": unified,
        "mailNickname": nickname,
        "mail": f"{nickname}@{t.domain}" if unified else None,
        "securityEnabled": not unified,
        "groupTypes": (["Unified"] if unified else []) + (["DynamicMembership"] if rule else []),
        "membershipRule": rule,
        "membershipRuleProcessingState": "On" if rule else None,
        "isAssignableToRole": role_assignable,
        "visibility": "Private" if unified else None,
        "createdDateTime": before_epoch(t.rng(f"groups:{stream}"), 90, 1800),
        "members": list(members),
    })


def build_groups(t: Tenant) -> None:
    t.group_ids["breakGlass"] = group(
        t, "ca", "CA-Exclude-BreakGlass", t.break_glass, role_assignable=True,
        description="Emergency access accounts excluded from every Conditional Access policy.")["id"]
    admin_accounts = list(dict.fromkeys(u for role, ids in t.role_holders.items() for u in ids
                                        if u not in t.break_glass and u not in t.sync_accounts))
    t.group_ids["itAdmins"] = group(t, "ca", "IT Admins", admin_accounts, role_assignable=True,
                                    description="Dedicated privileged accounts of the IT department.")["id"]
    by_department: dict[str, list[str]] = {name: [] for name, _, _ in DEPARTMENTS}
    for user in t.users:
        if user.get("department") in by_department:
            by_department[user["department"]].append(user["id"])
    for department, members in by_department.items():
        g = group(t, "departments", f"All {department}", members, rule=f'(user.department -eq "{department}")',
                  description=f"Everyone in {department} (dynamic).")
        t.group_ids[f"department:{department}"] = g["id"]
    staff = [u["id"] for u in t.users if u["userType"] == "Member" and u.get("department") is not None]
    group(t, "company", "All Employees", staff, description="Every employee (dynamic).",
          rule='(user.userType -eq "Member") and (user.department -ne null)')
    group(t, "company", "All Guests", t.guests, rule='(user.userType -eq "Guest")',
          description="Every guest account (dynamic).")
    _teams(t)
    _projects(t)
    invited = [g for g in t.guests if t.user(g).get("creationType") == "Invitation"][:500]
    t.group_ids["partners"] = group(t, "partners", "External Partners", invited,
                                    description="Partner guests with access to shared workspaces.")["id"]


def _teams(t: Tenant) -> None:
    rng = t.rng("teams")
    for department, staff in t.department_members.items():
        head, rest = staff[0], list(staff[1:])
        t.user(head)["jobTitle"] = f"Head of {department}"
        n_teams = max(1, min(len(TEAM_SUFFIXES), len(rest) // 40))
        rng.shuffle(rest)
        teams = []
        for k in range(n_teams):
            team = rest[k::n_teams]
            if not team:
                continue
            lead = team[0]
            t.user(lead)["jobTitle"] = f"{department} Team Lead"
            t.manager_of[lead] = head
            for member in team[1:]:
                t.manager_of[member] = lead
            teams.append(group(t, "teams", f"{department} - {TEAM_SUFFIXES[k]}", team,
                               description=f"{department} team {TEAM_SUFFIXES[k]}.")["id"])
        group(t, "teams", f"{department} Teams", teams, description=f"All {department} teams (nested groups).")
    for uid in t.employees:
        t.user(uid)[t.manager_property] = t.manager_of.get(uid)
        if uid in t.manager_of:  # as GET /users?$expand=manager returns it (the simulator serves it on $expand)
            t.user(uid)["manager"] = {"id": t.manager_of[uid]}


def _projects(t: Tenant) -> None:
    rng = t.rng("projects")
    for k in range(max(3, t.size // 100)):
        codename = PROJECT_CODENAMES[k % len(PROJECT_CODENAMES)]
        members = rng.sample(t.employees, min(len(t.employees), rng.randint(5, 25)))
        group(t, "projects", f"Project {codename} {k // len(PROJECT_CODENAMES) + 1:02d}", members,
              unified=k % 3 == 0, description=f"Project {codename} workspace.")
