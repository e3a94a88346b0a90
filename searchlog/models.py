"""Tables of searchlog: people, teams and the online search record."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGER = "manager", "Manager"
    AUDITOR = "auditor", "Auditor"


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    managers = models.ManyToManyField(
        "User", related_name="managed_teams", blank=True, limit_choices_to={"role": Role.MANAGER}
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members",
        help_text="The team this person records searches for.",
    )
    job_title = models.CharField(
        max_length=100, blank=True,
        help_text="Shown with their name where they signed off a record (pages, exports, the supervision pack).",
    )
    privacy_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When they last confirmed they reviewed their own social media privacy."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    @property
    def roles(self) -> list[str]:
        # A manager also records their own searches, as a practitioner does.
        if self.role == Role.MANAGER:
            return [Role.PRACTITIONER, Role.MANAGER]
        return [self.role]

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def name_and_title(self) -> str:
        """"Maria Kowalski, Team manager" (the name alone when no job title is set)."""
        return f"{self.display_name}, {self.job_title}" if self.job_title else self.display_name


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    IG_REVIEW = "ig_review", "Awaiting information governance"
    SIGNED_OFF = "signed_off", "Signed off"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"


class Platform(models.TextChoices):
    SEARCH_ENGINE = "search_engine", "Search engine (for example Google or Bing)"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    X_TWITTER = "x_twitter", "X (Twitter)"
    LINKEDIN = "linkedin", "LinkedIn"
    SNAPCHAT = "snapchat", "Snapchat"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube or vlogs"
    FORUM = "forum", "Online forum"
    BLOG = "blog", "Blog"
    NEWS = "news", "News website"
    OTHER = "other", "Other"


class ContentVisibility(models.TextChoices):
    PUBLIC = "public", "Public content only"
    RESTRICTED = "restricted", "Content behind friends-only or membership settings"
    BOTH = "both", "Both public and restricted content"


class ConsentStatus(models.TextChoices):
    OBTAINED_WRITTEN = "obtained_written", "Yes, consent was given in writing"
    OBTAINED_VERBAL = "obtained_verbal", "Yes, consent was given verbally"
    REFUSED = "refused", "No, consent was refused"
    NOT_SOUGHT_EMERGENCY = "not_sought_emergency", "Not asked, because it was an emergency"
    NOT_SOUGHT_OTHER = "not_sought_other", "Not asked, for another reason"
    NOT_POSSIBLE = "not_possible", "Could not be asked (for example, lacks capacity or cannot be contacted)"


CONSENT_OBTAINED = (ConsentStatus.OBTAINED_WRITTEN, ConsentStatus.OBTAINED_VERBAL)


class SubjectRelationship(models.TextChoices):
    PERSON_SUPPORTED = "person_supported", "The person supported"
    FAMILY_MEMBER = "family_member", "A member of their family"
    ASSOCIATE = "associate", "An associate (for example a friend, partner or someone they live with)"
    OTHER = "other", "Someone else"


class ConsentGivenBy(models.TextChoices):
    PERSON = "person", "The person themselves"
    PARENT = "parent_with_parental_responsibility", "A parent with parental responsibility"
    ATTORNEY_OR_DEPUTY = "attorney_or_deputy", "An attorney or deputy (for example lasting power of attorney)"
    OTHER = "other", "Someone else with the authority to consent"


class EmergencyCategory(models.TextChoices):
    RISK_TO_LIFE = "risk_to_life", "Risk to life or of serious harm to the person"
    SAFEGUARDING = "safeguarding", "Safeguarding a child or an adult at risk"
    RISK_TO_OTHERS = "risk_to_others", "Risk to others"
    MISSING_PERSON = "missing_person", "Missing person"
    OTHER = "other", "Other emergency"


class AccountUsed(models.TextChoices):
    ORG_ACCOUNT_ORG_DEVICE = "org_account_org_device", "An organisation account on an organisation device"
    PERSONAL_ACCOUNT = "personal_account", "A personal account"
    PERSONAL_DEVICE = "personal_device", "A personal device"


class Interaction(models.TextChoices):
    VIEWED_ONLY = "viewed_only", "I only viewed information"
    INTERACTED = "interacted", "I interacted (for example a friend request, a message, or joining a group)"


class LawfulBasis(models.TextChoices):
    PUBLIC_TASK = "public_task", "Public task"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
    VITAL_INTERESTS = "vital_interests", "Vital interests"
    CONSENT = "consent", "Consent"


class ActionTaken(models.TextChoices):
    CASE_FILE = "case_file", "Recorded on the case file"
    SHARED_SAFEGUARDING = "shared_safeguarding", "Shared with safeguarding or the police"
    STRATEGY_MEETING = "strategy_meeting", "Discussed at a strategy meeting"
    NO_ACTION = "no_action", "No action"
    OTHER = "other", "Other"


class EscalationOutcome(models.TextChoices):
    NO_CONCERN = "no_concern", "No concern"
    ADVICE_GIVEN = "advice_given", "Advice given"
    BREACH_REFERRED = "breach_referred", "Possible breach referred to the data protection officer"


def subject_key(reference: str) -> str:
    """The subject reference as matched for repeat searching: case and spaces ignored ("las-1" = "LAS-1 ")."""
    return "".join((reference or "").split()).lower()


def _choice_or_blank(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": [*choices.values, ""]})


class SearchRecord(models.Model):
    """One online search episode about one person supported."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    is_justified = models.BooleanField(
        default=False, editable=False,
        help_text="Kept by workflow.record_save from justification.is_justified; read-only.",
    )
    practitioner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="search_records")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="search_records")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    is_quick_record = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=0, help_text="How many times it has been submitted.")
    reviewer_involved = models.BooleanField(
        default=False, help_text="The manager who signed it off said they are directly involved in the case."
    )
    outcome = models.CharField(
        max_length=20, choices=EscalationOutcome.choices, blank=True,
        help_text="How its escalation was closed (only on a closed record).",
    )

    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Who signed it off (the manager, or information governance for a sole manager's own record).",
    )
    ig_reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Who signed it off for information governance, when it needed them.",
    )

    subject_reference = models.CharField(max_length=60)
    subject_key = models.CharField(
        max_length=60, editable=False, default="",
        help_text="The subject reference without case or spaces, for matching searches about one person "
        "(kept by workflow from subject_reference).",
    )
    subject_initials = models.CharField(max_length=6, blank=True)
    subject_relationship = models.CharField(max_length=20, choices=SubjectRelationship.choices, blank=True)
    searched_at = models.DateTimeField()
    late_after = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="Recorded after this moment is a late record: the end of the next working day after the search "
        "(kept by workflow from searched_at).",
    )
    platforms = models.JSONField(default=list, blank=True)
    platforms_other = models.CharField(max_length=200, blank=True)
    search_terms = models.TextField(blank=True)
    content_visibility = models.CharField(max_length=20, choices=ContentVisibility.choices, blank=True)
    purpose = models.TextField(blank=True)
    consent_status = models.CharField(max_length=30, choices=ConsentStatus.choices, blank=True)
    consent_given_by = models.CharField(max_length=40, choices=ConsentGivenBy.choices, blank=True)
    consent_details = models.TextField(blank=True)
    is_emergency = models.BooleanField(default=False)
    emergency_category = models.CharField(max_length=30, choices=EmergencyCategory.choices, blank=True)
    justification = models.TextField(blank=True)
    alternatives_considered = models.TextField(blank=True, help_text="Why no less intrusive way would do.")
    confidential_information = models.BooleanField(
        null=True, blank=True,
        help_text="Legal, medical, religious, journalistic or other confidential material was likely to be seen "
        "(blank: not answered).",
    )
    profile_urls = models.JSONField(default=list, blank=True, help_text="Addresses of the profiles or pages viewed.")
    collateral_intrusion = models.TextField(blank=True)
    account_used = models.CharField(max_length=30, choices=AccountUsed.choices, blank=True)
    interaction = models.CharField(max_length=20, choices=Interaction.choices, blank=True)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices, blank=True)
    special_category_condition = models.CharField(max_length=200, blank=True)
    findings = models.TextField(blank=True)
    actions_taken = models.JSONField(default=list, blank=True)
    actions_taken_details = models.TextField(blank=True)
    information_retained = models.TextField(blank=True)
    approval = models.ForeignKey(
        "searchlog.Approval", on_delete=models.PROTECT, null=True, blank=True, related_name="records",
        help_text="The prior approval the search was made under, if any.",
    )

    class Meta:
        ordering = ["-searched_at", "-id"]
        indexes = [
            models.Index(fields=["practitioner", "status"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["subject_key", "searched_at"], name="record_subject_key_idx"),
            models.Index(fields=["is_justified", "created_at"], name="record_unjustified_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="record_status_valid"),
            models.CheckConstraint(
                condition=~Q(subject_reference="") & Q(subject_reference__regex=r"\S"),
                name="record_subject_reference_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(searched_at__lte=F("created_at")), name="record_searched_not_after_created"
            ),
            models.CheckConstraint(
                condition=Q(updated_at__gte=F("created_at")), name="record_updated_not_before_created"
            ),
            models.CheckConstraint(
                condition=Q(reference__regex=r"^OS-\d{4}-\d{6,}$"), name="record_reference_format"
            ),
            *[
                models.CheckConstraint(condition=_choice_or_blank(field, choices), name=f"record_{field}_valid")
                for field, choices in [
                    ("content_visibility", ContentVisibility),
                    ("subject_relationship", SubjectRelationship),
                    ("consent_status", ConsentStatus),
                    ("consent_given_by", ConsentGivenBy),
                    ("emergency_category", EmergencyCategory),
                    ("account_used", AccountUsed),
                    ("interaction", Interaction),
                    ("lawful_basis", LawfulBasis),
                ]
            ],
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | ~Q(status=Status.DRAFT),
                name="record_draft_not_submitted",
            ),
            models.CheckConstraint(
                condition=Q(signed_off_at__isnull=False) | ~Q(status=Status.SIGNED_OFF),
                name="record_signed_off_has_time",
            ),
            models.CheckConstraint(
                condition=(Q(status=Status.CLOSED) & Q(outcome__in=EscalationOutcome.values))
                | (~Q(status=Status.CLOSED) & Q(outcome="")),
                name="record_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(is_justified=True) | ~Q(status__in=[Status.SUBMITTED, Status.IG_REVIEW, Status.SIGNED_OFF]),
                name="record_submitted_is_justified",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.RETURNED)

    def get_platforms_display(self) -> list[str]:
        labels = dict(Platform.choices)
        shown = [labels.get(p, p) for p in self.platforms if p != Platform.OTHER]
        if Platform.OTHER in self.platforms:
            shown.append(f"Other: {self.platforms_other}" if self.platforms_other else "Other")
        return shown

    def get_actions_taken_display(self) -> list[str]:
        labels = dict(ActionTaken.choices)
        return [labels.get(a, a) for a in self.actions_taken]


class ReferenceCounter(models.Model):
    """The last reference number used in a year (references read OS-<year>-<number>)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class RecordRevision(models.Model):
    """The answers as they stood at each submission; earlier revisions stay readable."""

    record = models.ForeignKey(SearchRecord, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    answers = models.JSONField()

    class Meta:
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} revision {self.number}"


class Addendum(models.Model):
    """An append-only note added after a record was submitted."""

    record = models.ForeignKey(SearchRecord, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "addenda"
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="addendum_text_not_blank")]

    def __str__(self) -> str:
        return f"Addendum to {self.record_id} at {self.at:%Y-%m-%d %H:%M}"


class Escalation(models.Model):
    """A manager's concern about a record, for information governance to close with an outcome."""

    record = models.ForeignKey(SearchRecord, on_delete=models.PROTECT, related_name="escalations")
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    comment = models.TextField()
    closed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=EscalationOutcome.choices, blank=True)
    closing_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(comment=""), name="escalation_comment_not_blank"),
            models.CheckConstraint(
                condition=(Q(closed_at__isnull=True) & Q(outcome="") & Q(closed_by__isnull=True))
                | (Q(closed_at__isnull=False) & Q(outcome__in=EscalationOutcome.values) & ~Q(closing_comment="")),
                name="escalation_closed_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation of {self.record_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Transition(models.Model):
    """A change of a record's status: who, when, and why."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        SUBMIT = "submit", "Submitted"
        SIGN_OFF = "sign_off", "Signed off"
        RETURN = "return", "Returned"
        ESCALATE = "escalate", "Escalated"
        CLOSE_ESCALATION = "close_escalation", "Escalation closed"

    record = models.ForeignKey(SearchRecord, on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    comment = models.TextField(blank=True)
    reviewer_involved = models.BooleanField(
        null=True, blank=True, help_text="At sign-off: the reviewer said they are directly involved in the case."
    )

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=["return", "escalate", "close_escalation"]) | ~Q(comment=""),
                name="transition_comment_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"
from searchlog.models_approvals import Approval, ApprovalStatus  # noqa: E402,F401
from searchlog.models_audit import AuditEvent, AuditSeal  # noqa: E402,F401
from searchlog.models_breaches import Breach  # noqa: E402,F401
from searchlog.models_identity import (  # noqa: E402,F401
    ApiToken,
    ExternalIdentity,
    LockoutKind,
    SignInFailure,
    SignInLockout,
)
from searchlog.models_notifications import EmailStatus, Notification, NotificationKind, PrivacyCheck  # noqa: E402,F401
from searchlog.models_quality import QualitySample, QualitySampleItem, SampleOutcome  # noqa: E402,F401
from searchlog.models_retention import Disposal, DisposalRun, LegalHold  # noqa: E402,F401
