"""The one template entry to the access policy: ``{% access_for category as access %}``."""
from django import template

from .. import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def access_for(context, category):
    return policy.access_for(context["request"].user, category)


@register.simple_tag(takes_context=True)
def can_edit_post(context, post):
    return policy.can_edit_post(context["request"].user, post)


@register.simple_tag(takes_context=True)
def can_accept_answer(context, thread):
    return policy.can_accept_answer(context["request"].user, thread)
