"""The community's public pages: the home (spaces), a space's questions, a question with its
answers, the ask form with similar questions as one types, and the members' actions on a
question (answer, comment, vote, accept, follow) — each POST, each through
``community.services.questions``.

Posting is for signed-in members (staff post as their expert member); every post counts against
the member's hourly allowance (the organization's setting) and the network address's, and the
forms carry a honeypot and a fill-time stamp. The pages are per reader (their votes, their
waiting posts): never cached by anyone.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from community.forms.questions import AnswerForm, AskForm, CommentForm
from community.models import PostStatus
from community.selectors import questions as selectors
from community.selectors.members import current_member, member_required, staff_membership
from community.services import questions as services
from community.services.holds import community_settings
from stakeholders.forms import add_errors
from stakeholders.models import Role
from stakeholders.registries import knowledge
from stakeholders.tenancy.middleware import organization_public


def viewer_of(request):
    """Who reads this page (cached on the request): their member, and whether they are staff."""
    if not hasattr(request, "_community_viewer"):
        membership = staff_membership(request)
        request._community_staff_role = getattr(membership, "role", None)
        request._community_viewer = selectors.Viewer(
            member=current_member(request), staff=membership is not None
        )
    return request._community_viewer


def _language():
    code = translation.get_language() or ""
    languages = dict(settings.LANGUAGES)
    return code if code in languages else code[:2]


def public_page(view):
    """A page of the community: public, never cached, 404 while the community is closed (staff
    prepare it before it opens)."""

    def wrapper(request, *args, **kwargs):
        viewer = viewer_of(request)
        request._community_enabled = selectors.community_enabled(organization=request.organization)
        if not (request._community_enabled or viewer.staff):
            raise Http404
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return organization_public(never_cache(wrapper))


def render_page(request, template, context, status=200):
    """A page in the community's layout (its bar needs the reader and the community's state)."""
    context.setdefault("viewer", viewer_of(request))
    context.setdefault("can_manage", getattr(request, "_community_staff_role", None) == Role.ADMIN)
    context.setdefault("community_closed", not getattr(request, "_community_enabled", True))
    return render(request, template, context, status=status)


def post_limited(request, *, member):
    """True when this member, or this network address, has posted their hourly allowance
    (staff never run out). The try is counted either way."""
    if member.is_expert:
        return False
    organization = request.organization
    rate = f"{community_settings(organization=organization).posts_per_hour}/h"
    by_member = is_ratelimited(
        request,
        group=f"community-post-member-{organization.pk}",
        key=lambda group, req: str(member.pk),
        rate=rate,
        increment=True,
    )
    by_address = is_ratelimited(
        request,
        group=f"community-post-ip-{organization.pk}",
        key="ip",
        rate=settings.COMMUNITY_POSTS_IP_RATE,
        increment=True,
    )
    return by_member or by_address


def _too_quick(form):
    """Sent sooner than a person could have (or with a forged stamp): an error on the form."""
    if form.too_quick(min_seconds=settings.COMMUNITY_FORM_MIN_SECONDS):
        form.add_error(None, _("That was very quick — please check your text and send it again."))
        return True
    return False


def _limited_page(request):
    return render_page(request, "community/limited.html", {}, status=429)


# --- Reading -------------------------------------------------------------------------------


@public_page
@require_GET
def home(request, org_slug):
    """The spaces this reader may see, and the latest active questions across them."""
    organization = request.organization
    viewer = viewer_of(request)
    spaces = selectors.visible_spaces(
        organization=organization, viewer=viewer, language=_language()
    )
    recent = selectors.recent_questions(organization=organization, spaces=spaces)
    names = {space.pk: space for space in spaces}
    for question in recent:
        question.shown_space = names.get(question.space_id)
    return render_page(request, "community/home.html", {"spaces": spaces, "recent": recent})


@public_page
@require_GET
def space(request, org_slug, space_slug):
    """A space's questions: sorted, filtered by a tag, searched; paged by key."""
    organization = request.organization
    viewer = viewer_of(request)
    space = selectors.space_for_reader(
        organization=organization, slug=space_slug, viewer=viewer, language=_language()
    )
    query = request.GET.get("q", "").strip()[:200]
    sort = request.GET.get("sort") or ("relevance" if query else "activity")
    sort = sort if sort in selectors.SORTS else "activity"
    if sort == "relevance" and not query:
        sort = "activity"
    tag = services.normalise_tag(request.GET.get("tag", ""))
    page = selectors.question_list(
        organization=organization,
        space=space,
        viewer=viewer,
        sort=sort,
        tag=tag,
        query=query,
        cursor=request.GET.get("after", ""),
    )
    context = {
        "space": space,
        "page": page,
        "sort": sort,
        "tag": tag,
        "query": query,
        "can_post": selectors.can_post(space, viewer),
        "sorts": [
            *([("relevance", _("Best match"))] if query else []),
            ("activity", _("Latest activity")),
            ("unanswered", _("Unanswered")),
            ("votes", _("Most votes")),
        ],
    }
    return render_page(request, "community/space.html", context)


def _question_page(request, question, *, answer_form=None, comment_form=None, status=200):
    organization = request.organization
    viewer = viewer_of(request)
    question.space = selectors.localise(question.space, _language())
    thread = selectors.thread(
        organization=organization,
        question=question,
        viewer=viewer,
        cursor=request.GET.get("after", "")[:200],
    )
    member = viewer.member
    open_to_posts = (
        question.status == PostStatus.PUBLISHED
        and not question.is_locked
        and selectors.can_post(question.space, viewer)
    )
    comment_target = None
    if comment_form is not None:
        comment_target = comment_form.data.get("answer") or "question"
    context = {
        "question": question,
        "space": question.space,
        "thread": thread,
        "member": member,
        "open_to_posts": open_to_posts,
        "can_accept": member is not None
        and (member.is_expert or member.pk == question.author_id)
        and question.status == PostStatus.PUBLISHED,
        "answer_form": answer_form or (AnswerForm() if open_to_posts else None),
        "comment_form": comment_form,
        "comment_target": str(comment_target) if comment_target else "",
        "question_url": reverse(
            "community:question",
            kwargs={"org_slug": organization.slug, "question_id": question.pk},
        ),
    }
    return render_page(request, "community/question.html", context, status=status)


@public_page
@require_GET
def question(request, org_slug, question_id):
    """A question, its answers (a page at a time) and comments; a merged duplicate sends the
    reader on; ``?answer=<id>`` goes to the page that shows that answer."""
    organization = request.organization
    found = selectors.question_for_reader(
        organization=organization, question_id=question_id, viewer=viewer_of(request)
    )
    if found.merged_into_id:
        return redirect("community:question", org_slug=org_slug, question_id=found.merged_into_id)
    if "answer" in request.GET:
        return _to_answer(request, found, request.GET["answer"])
    return _question_page(request, found)


def _to_answer(request, question, answer_id):
    """To the page of ``question`` that shows answer ``answer_id``, at the answer (the first
    page when the reader can't see such an answer)."""
    url = reverse(
        "community:question",
        kwargs={"org_slug": request.organization.slug, "question_id": question.pk},
    )
    cursor = selectors.answer_page_cursor(
        organization=request.organization,
        question=question,
        viewer=viewer_of(request),
        answer_id=answer_id,
    )
    if cursor is None:
        return redirect(url)
    query = f"?{urlencode({'after': cursor})}" if cursor else ""
    return redirect(f"{url}{query}#answer-{int(answer_id)}")


# --- Asking --------------------------------------------------------------------------------


@public_page
@member_required
@require_http_methods(["GET", "POST"])
def ask(request, org_slug, space_slug):
    """Ask a question in a space (any space the member may post in can be chosen)."""
    organization = request.organization
    viewer = viewer_of(request)
    language = _language()
    space = selectors.space_for_reader(
        organization=organization, slug=space_slug, viewer=viewer, language=language
    )
    spaces = [
        candidate
        for candidate in selectors.visible_spaces(
            organization=organization, viewer=viewer, language=language
        )
        if selectors.can_post(candidate, viewer)
    ]
    if not selectors.can_post(space, viewer):
        return render_page(request, "community/cannot_post.html", {"space": space}, status=403)
    form = AskForm(
        request.POST or None,
        spaces=spaces,
        similar_url=reverse("community:similar", kwargs={"org_slug": org_slug}),
        initial={"space": space.slug},
    )
    status = 200
    if request.method == "POST":
        if form.is_bot:  # a filled honeypot: answered like a success, nothing kept
            return redirect("community:space", org_slug=org_slug, space_slug=space.slug)
        if post_limited(request, member=request.member):
            return _limited_page(request)
        if form.is_valid() and not _too_quick(form):
            try:
                asked = services.question_ask(
                    organization=organization,
                    member=request.member,
                    space=form.chosen_space,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    tags=form.cleaned_data["tags"],
                    language=language,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                if asked.status == PostStatus.PENDING:
                    messages.info(
                        request,
                        _(
                            "Thank you! Your question waits for a moderator and appears "
                            "once they have looked at it."
                        ),
                    )
                return redirect("community:question", org_slug=org_slug, question_id=asked.pk)
        form.restamp()
        status = 400
    return render_page(request, "community/ask.html", {"form": form, "space": space}, status=status)


@organization_public
@never_cache
@require_GET
def similar(request, org_slug):
    """Questions and help-centre articles like the title being typed (an htmx partial)."""
    organization = request.organization
    viewer = viewer_of(request)
    title = (request.GET.get("title") or "").strip()[:200]
    questions, articles = [], []
    open_now = selectors.community_open(organization=organization, viewer=viewer)
    if (
        open_now
        and len(title) >= 3
        and not is_ratelimited(
            request,
            group=f"community-similar-{organization.pk}",
            key="ip",
            rate="300/h",
            increment=True,
        )
    ):
        language = _language()
        spaces = selectors.visible_spaces(
            organization=organization, viewer=viewer, language=language
        )
        questions = selectors.similar_questions(
            organization=organization, spaces=spaces, title=title
        )
        articles = knowledge.search(organization=organization, text=title, language=language)
    response = render(
        request,
        "community/_similar.html",
        {"questions": questions, "articles": articles, "organization": organization},
    )
    response["Referrer-Policy"] = "same-origin"
    return response


@organization_public
@require_GET
def article(request, org_slug, article_id):
    """A help-centre article followed from "similar questions": counted as a question (a
    request) avoided, then on to the article — only to a page of this organization's site."""
    if not selectors.community_open(organization=request.organization, viewer=viewer_of(request)):
        raise Http404
    target = request.GET.get("to", "")
    parts = urlsplit(target)
    prefix = f"/o/{request.organization.slug}/"
    if parts.scheme or parts.netloc or not parts.path.startswith(prefix) or "\\" in target:
        raise Http404
    if not is_ratelimited(
        request,
        group=f"community-deflected-{request.organization.pk}",
        key="ip",
        rate="60/h",
        increment=True,
    ):
        knowledge.deflected(organization=request.organization, article_id=article_id)
    return redirect(target)


# --- Acting on a question ------------------------------------------------------------------


def _question_for_action(request, question_id):
    return selectors.question_for_reader(
        organization=request.organization, question_id=question_id, viewer=viewer_of(request)
    )


def _back(request, question, anchor="", *, answer=None):
    """Back to the question after an action: at ``answer``, on the page that shows it."""
    if answer is not None:
        return _to_answer(request, question, answer.pk)
    url = reverse(
        "community:question",
        kwargs={"org_slug": request.organization.slug, "question_id": question.pk},
    )
    return redirect(f"{url}#{anchor}" if anchor else url)


@public_page
@member_required
@require_POST
def answer(request, org_slug, question_id):
    organization = request.organization
    found = _question_for_action(request, question_id)
    if not selectors.can_post(found.space, viewer_of(request)):
        return HttpResponseForbidden()
    form = AnswerForm(request.POST)
    if form.is_bot:
        return _back(request, found)
    if post_limited(request, member=request.member):
        return _limited_page(request)
    if form.is_valid() and not _too_quick(form):
        try:
            posted = services.answer_post(
                organization=organization,
                member=request.member,
                question=found,
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if posted.status == PostStatus.PENDING:
                messages.info(
                    request,
                    _("Thank you! Your answer waits for a moderator and appears once approved."),
                )
            return _back(request, found, answer=posted)
    form.restamp()
    return _question_page(request, found, answer_form=form, status=400)


@public_page
@member_required
@require_POST
def comment(request, org_slug, question_id):
    organization = request.organization
    found = _question_for_action(request, question_id)
    if not selectors.can_post(found.space, viewer_of(request)):
        return HttpResponseForbidden()
    form = CommentForm(request.POST, auto_id="comment_%s")
    if form.is_valid():
        target = None
        if form.cleaned_data["answer"]:
            target = selectors.answer_of(
                organization=organization, question=found, answer_id=form.cleaned_data["answer"]
            )
        if post_limited(request, member=request.member):
            return _limited_page(request)
        try:
            posted = services.comment_add(
                organization=organization,
                member=request.member,
                question=found,
                answer=target,
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if posted.status == PostStatus.PENDING:
                messages.info(request, _("Thank you! Your comment waits for a moderator."))
            return _back(request, found, "question", answer=target)
    return _question_page(request, found, comment_form=form, status=400)


def _refused(request, error):
    for text in error.messages:
        messages.error(request, text)


@public_page
@member_required
@require_POST
def vote(request, org_slug, question_id):
    """Upvote (or take back the vote of) the question or one of its answers."""
    organization = request.organization
    found = _question_for_action(request, question_id)
    target = None
    if request.POST.get("answer"):
        target = selectors.answer_of(
            organization=organization, question=found, answer_id=request.POST["answer"]
        )
    try:
        services.vote_set(
            organization=organization,
            member=request.member,
            question=None if target else found,
            answer=target,
            voted=request.POST.get("vote") == "1",
        )
    except ValidationError as error:
        _refused(request, error)
    return _back(request, found, "question", answer=target)


@public_page
@member_required
@require_POST
def accept(request, org_slug, question_id):
    """Mark an answer accepted (or take the mark back): the asker or staff."""
    organization = request.organization
    found = _question_for_action(request, question_id)
    target = selectors.answer_of(
        organization=organization, question=found, answer_id=request.POST.get("answer")
    )
    try:
        services.answer_accept(
            organization=organization,
            member=request.member,
            answer=target,
            accepted=request.POST.get("accepted") == "1",
        )
    except ValidationError as error:
        _refused(request, error)
    return _back(request, found, answer=target)


@public_page
@member_required
@require_POST
def follow(request, org_slug, question_id):
    """Follow the question (emails on new answers) or stop following it."""
    found = _question_for_action(request, question_id)
    following = services.follow_set(
        organization=request.organization,
        member=request.member,
        question=found,
        following=request.POST.get("follow") == "1",
    )
    if following:
        messages.success(request, _("You follow this question: we email you new answers."))
    else:
        messages.success(request, _("You no longer follow this question."))
    return _back(request, found)


urlpatterns = [
    path("", home, name="home"),
    path("similar/", similar, name="similar"),
    path("help/<int:article_id>/", article, name="article"),
    path("s/<slug:space_slug>/", space, name="space"),
    path("s/<slug:space_slug>/ask/", ask, name="ask"),
    path("q/<int:question_id>/", question, name="question"),
    path("q/<int:question_id>/answer/", answer, name="answer"),
    path("q/<int:question_id>/comment/", comment, name="comment"),
    path("q/<int:question_id>/vote/", vote, name="vote"),
    path("q/<int:question_id>/accept/", accept, name="accept"),
    path("q/<int:question_id>/follow/", follow, name="follow"),
]
