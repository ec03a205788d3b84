"""Thin views: the gateways' webhooks, coordinators' message list and simulator, observers' choice."""

import logging

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from observers import services as observer_services
from observers.forms import show_service_errors
from observers.models import User

from . import gateways, outbound, phones, selectors, services
from .forms import MessageFilterForm, SimulatorForm, SubscriptionForm
from .models import Gateway, Subscription

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def hook(request, slug):
    """A gateway posts what its phone received (or a delivery report). The answer is the same
    whoever sent the SMS, so an unknown number learns nothing; replies go out by the send API."""
    gateway = Gateway.objects.filter(webhook_slug=slug, active=True).first()
    if gateway is None:
        logger.warning("sms webhook refused: no active gateway %r, from %s", slug[:40], request.META.get("REMOTE_ADDR"))
        return HttpResponse(status=404)
    adapter = gateways.adapter(gateway)
    try:
        adapter.authenticate(gateway, request)
    except gateways.Refused as refusal:
        logger.warning("sms webhook refused: gateway %s (%s): %s, from %s", gateway.pk, gateway.kind, refusal,
                       request.META.get("REMOTE_ADDR"))
        return HttpResponse(status=403)
    items = adapter.read(request)
    for update in items:
        if isinstance(update, gateways.StatusUpdate):
            outbound.record_status(gateway=gateway, update=update)
    services.receive(gateway=gateway, incoming=[item for item in items if isinstance(item, gateways.Incoming)])
    return JsonResponse({"ok": True})


@login_required
def message_list(request):
    coordinator = observer_services.ensure_coordinator(request.user)
    form = MessageFilterForm(request.GET or None)
    queryset = selectors.inbound_for(coordinator)
    if form.is_valid():
        if form.cleaned_data["status"]:
            queryset = queryset.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["observer"]:
            queryset = queryset.filter(observer_id=form.cleaned_data["observer"])
        if form.cleaned_data["phone"]:
            number = phones.e164(form.cleaned_data["phone"]) or form.cleaned_data["phone"]
            queryset = queryset.filter(sender=number)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "sms/messages.html", {"page": page, "form": form})


@login_required
@require_POST
def reprocess(request, message_id):
    coordinator = observer_services.ensure_coordinator(request.user)
    message = get_object_or_404(selectors.inbound_for(coordinator), pk=message_id)
    try:
        message = services.reprocess(coordinator=coordinator, message_id=message.pk)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(request, _("Message processed again: %(status)s.") % {"status": message.get_status_display()})
    return redirect("sms:messages")


@login_required
def outbox(request):
    coordinator = observer_services.ensure_coordinator(request.user)
    page = Paginator(selectors.outbound_for(coordinator), 50).get_page(request.GET.get("page"))
    return render(request, "sms/outbox.html", {"page": page})


@login_required
def simulator(request):
    coordinator = observer_services.ensure_coordinator(request.user)
    form = SimulatorForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.simulate(coordinator=coordinator, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        if result is None and not form.errors:
            form.add_error(None, _("This message was already received."))
    return render(request, "sms/simulator.html", {"form": form, "result": result})


@login_required
def subscription(request):
    if request.user.role != User.Role.OBSERVER:
        raise PermissionDenied
    current = Subscription.objects.filter(observer=request.user).first()
    initial = {"opted_in": current.opted_in if current else False,
               "language": current.language if current else request.LANGUAGE_CODE}
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        Subscription.objects.update_or_create(observer=request.user, defaults=form.cleaned_data)
        flash.success(request, _("Your SMS choice is saved."))
        return redirect("sms:subscription")
    return render(request, "sms/subscription.html", {"form": form})
