/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The display hooks (docs/DISPLAY.md): DRM atomic commits, the fbdev emulation's damage worker,
 * the dirtyfb ioctl and the vblank-event tracepoint. They read only geometry (CRTC indexes,
 * framebuffer sizes, damage rectangles) and pointers compared for equality: never framebuffer
 * memory, and no hook sees characters. DRM is usually modules: the collector disables, before
 * load, every program whose hook the running kernel lacks (user/display.c).
 */
#ifndef EVTAP_DISPLAY_HOOKS_BPF_H
#define EVTAP_DISPLAY_HOOKS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "display.bpf.h"

/*
 * The few DRM fields read, as CO-RE flavors (the ___evtap suffix keeps them apart from any
 * vmlinux.h that has DRM): libbpf relocates them against the drm modules' BTF.
 */
struct drm_mode_object___evtap {
	__u32 id;
} __attribute__((preserve_access_index));

struct drm_framebuffer___evtap {
	struct drm_mode_object___evtap base;
	unsigned int width;
	unsigned int height;
} __attribute__((preserve_access_index));

struct drm_crtc___evtap;

struct drm_plane_state___evtap {
	struct drm_crtc___evtap *crtc;
	struct drm_framebuffer___evtap *fb;
	struct drm_property_blob___evtap *fb_damage_clips;
} __attribute__((preserve_access_index));

struct drm_plane___evtap {
	struct drm_plane_state___evtap *state;
} __attribute__((preserve_access_index));

struct drm_crtc___evtap {
	struct list_head head;
	struct drm_plane___evtap *primary;
	unsigned int index;
} __attribute__((preserve_access_index));

struct drm_property_blob___evtap {
	size_t length;
	void *data;
} __attribute__((preserve_access_index));

struct drm_mode_rect___evtap {
	__s32 x1, y1, x2, y2;
} __attribute__((preserve_access_index));

struct drm_clip_rect___evtap {
	unsigned short x1, y1, x2, y2;
} __attribute__((preserve_access_index));

struct drm_mode_fb_dirty_cmd___evtap {
	__u32 fb_id;
	__u32 num_clips;
	__u64 clips_ptr;
} __attribute__((preserve_access_index));

struct drm_mode_config___evtap {
	int num_crtc;
	int num_total_plane;
	struct list_head crtc_list;
} __attribute__((preserve_access_index));

struct drm_device___evtap {
	struct drm_mode_config___evtap mode_config;
} __attribute__((preserve_access_index));

struct __drm_crtcs_state___evtap {
	struct drm_crtc___evtap *ptr;
} __attribute__((preserve_access_index));

struct __drm_planes_state___evtap {
	struct drm_plane___evtap *ptr;
	struct drm_plane_state___evtap *old_state;
	struct drm_plane_state___evtap *new_state;
} __attribute__((preserve_access_index));

struct drm_atomic_state___evtap {
	struct drm_device___evtap *dev;
	struct __drm_planes_state___evtap *planes;
	struct __drm_crtcs_state___evtap *crtcs;
} __attribute__((preserve_access_index));

struct drm_mode_set___evtap {
	struct drm_crtc___evtap *crtc;
} __attribute__((preserve_access_index));

struct drm_client_dev___evtap {
	struct drm_mode_set___evtap *modesets;
} __attribute__((preserve_access_index));

struct drm_fb_helper___evtap {
	struct drm_client_dev___evtap client;
	struct drm_framebuffer___evtap *fb;
	struct drm_clip_rect___evtap damage_clip;
	struct work_struct damage_work;
} __attribute__((preserve_access_index));

/* Damage rectangles read per report: more than this many counts as a full frame. */
#define EVTAP_DISPLAY_MAX_CLIPS 4

static __always_inline __u64 evtap_rect_area(__s64 x1, __s64 y1, __s64 x2, __s64 y2)
{
	return x2 > x1 && y2 > y1 ? (__u64)(x2 - x1) * (__u64)(y2 - y1) : 0;
}

static __always_inline __u64 evtap_fb_area(const struct drm_framebuffer___evtap *fb)
{
	return (__u64)BPF_CORE_READ(fb, width) * BPF_CORE_READ(fb, height);
}

/*
 * A plane state's FB_DAMAGE_CLIPS in ppm of its framebuffer: a state without clips (or with
 * more than we read) damages the whole frame.
 */
static __always_inline __u64 evtap_plane_damage_ppm(const struct drm_plane_state___evtap *ps)
{
	struct drm_property_blob___evtap *blob = BPF_CORE_READ(ps, fb_damage_clips);
	struct drm_mode_rect___evtap r;
	__u64 n, area = 0;
	void *data;

	if (!blob)
		return EVTAP_DISPLAY_FULL_PPM;
	n = BPF_CORE_READ(blob, length) / bpf_core_type_size(struct drm_mode_rect___evtap);
	if (!n || n > EVTAP_DISPLAY_MAX_CLIPS)
		return EVTAP_DISPLAY_FULL_PPM;
	data = BPF_CORE_READ(blob, data);
	for (int i = 0; i < EVTAP_DISPLAY_MAX_CLIPS; i++) {
		if (i >= n)
			break;
		if (bpf_probe_read_kernel(&r, sizeof(r), data + i * sizeof(r)))
			return EVTAP_DISPLAY_FULL_PPM;
		area += evtap_rect_area(r.x1, r.y1, r.x2, r.y2);
	}
	return evtap_display_ppm(area, evtap_fb_area(BPF_CORE_READ(ps, fb)));
}

/*
 * An atomic commit: one COMMIT per CRTC in the state, then one FLIP per plane whose new state
 * shows another framebuffer than its old one (a page flip, or a modeset that brings a new
 * framebuffer), on the plane's new CRTC, with the plane's damage. At entry the state holds
 * both old and new plane states: nothing has been swapped yet.
 */
static __always_inline void evtap_display_commit(const struct drm_atomic_state___evtap *state)
{
	struct __drm_planes_state___evtap *planes = BPF_CORE_READ(state, planes);
	struct __drm_crtcs_state___evtap *crtcs = BPF_CORE_READ(state, crtcs);
	int ncrtc = BPF_CORE_READ(state, dev, mode_config.num_crtc);
	int nplane = BPF_CORE_READ(state, dev, mode_config.num_total_plane);
	struct drm_plane_state___evtap *old, *new;
	struct __drm_planes_state___evtap *p;
	struct __drm_crtcs_state___evtap *c;
	struct drm_crtc___evtap *crtc;

	for (int i = 0; i < EVTAP_DISPLAY_MAX_CRTCS; i++) {
		if (i >= ncrtc)
			break;
		c = (void *)crtcs + i * bpf_core_type_size(struct __drm_crtcs_state___evtap);
		crtc = BPF_CORE_READ(c, ptr);
		if (crtc)
			evtap_display_event(BPF_CORE_READ(crtc, index), EVTAP_DISPLAY_COMMIT, 0, 0);
	}
	for (int i = 0; i < EVTAP_DISPLAY_MAX_CRTCS; i++) {
		if (i >= nplane)
			break;
		p = (void *)planes + i * bpf_core_type_size(struct __drm_planes_state___evtap);
		if (!BPF_CORE_READ(p, ptr))
			continue;
		old = BPF_CORE_READ(p, old_state);
		new = BPF_CORE_READ(p, new_state);
		if (!new || !BPF_CORE_READ(new, fb) || !BPF_CORE_READ(new, crtc) ||
		    (old && BPF_CORE_READ(old, fb) == BPF_CORE_READ(new, fb)))
			continue;
		evtap_display_event(BPF_CORE_READ(new, crtc, index), EVTAP_DISPLAY_FLIP,
				    evtap_plane_damage_ppm(new), 0);
	}
}

SEC("fentry/drm_atomic_commit")
int BPF_PROG(evtap_display_atomic_commit, void *state)
{
	evtap_display_inc(&display_hits, EVTAP_DHOOK_ATOMIC_COMMIT);
	evtap_display_commit(state);
	return 0;
}

SEC("fentry/drm_atomic_nonblocking_commit")
int BPF_PROG(evtap_display_atomic_nonblocking_commit, void *state)
{
	evtap_display_inc(&display_hits, EVTAP_DHOOK_ATOMIC_NONBLOCKING_COMMIT);
	evtap_display_commit(state);
	return 0;
}

/*
 * The fbdev emulation's damage worker: fbcon and fbdev clients draw into a shadow buffer and
 * the helper accumulates one damage rectangle, which the worker copies and resets under its
 * lock. At entry it still holds everything damaged since the last run. Counted on the CRTC of
 * the helper's first modeset (the fbdev emulation drives its CRTCs with one framebuffer).
 */
SEC("fentry/drm_fb_helper_damage_work")
int BPF_PROG(evtap_display_fb_damage_work, struct work_struct *work)
{
	struct drm_fb_helper___evtap *helper;
	struct drm_mode_set___evtap *modeset;
	struct drm_clip_rect___evtap clip;
	__u64 area;

	evtap_display_inc(&display_hits, EVTAP_DHOOK_FB_HELPER_DAMAGE_WORK);
	helper = (void *)work - bpf_core_field_offset(struct drm_fb_helper___evtap, damage_work);
	if (BPF_CORE_READ_INTO(&clip, helper, damage_clip))
		return 0;
	area = evtap_rect_area(clip.x1, clip.y1, clip.x2, clip.y2);
	modeset = BPF_CORE_READ(helper, client.modesets);
	evtap_display_event(
		modeset ? BPF_CORE_READ(modeset, crtc, index) : 0, EVTAP_DISPLAY_DAMAGE,
		area ? evtap_display_ppm(area, evtap_fb_area(BPF_CORE_READ(helper, fb))) : 0, 0);
	return 0;
}

/* The CRTC whose primary plane shows framebuffer fb_id, or NULL when none does. */
static __always_inline struct drm_crtc___evtap *
evtap_crtc_showing(const struct drm_device___evtap *dev, __u32 fb_id)
{
	__u64 head_off = bpf_core_field_offset(struct drm_crtc___evtap, head);
	const struct list_head *list =
		(void *)dev + bpf_core_field_offset(struct drm_device___evtap, mode_config) +
		bpf_core_field_offset(struct drm_mode_config___evtap, crtc_list);
	struct list_head *node = BPF_CORE_READ(list, next);
	struct drm_crtc___evtap *crtc;

	for (int i = 0; i < EVTAP_DISPLAY_MAX_CRTCS; i++) {
		if (!node || node == list)
			break;
		crtc = (void *)node - head_off;
		if (BPF_CORE_READ(crtc, primary, state, fb, base.id) == fb_id)
			return crtc;
		node = BPF_CORE_READ(node, next);
	}
	return NULL;
}

/*
 * A client says it drew into framebuffer fb_id (DRM_IOCTL_MODE_DIRTYFB): counted when a CRTC
 * shows that framebuffer, with the client's clips (read from its memory, at most
 * EVTAP_DISPLAY_MAX_CLIPS; none or more: a full frame). Counted at entry, whether or not the
 * driver implements dirtyfb: the client drew either way.
 */
SEC("fentry/drm_mode_dirtyfb_ioctl")
int BPF_PROG(evtap_display_dirtyfb_ioctl, void *dev, void *data)
{
	struct drm_mode_fb_dirty_cmd___evtap *cmd = data;
	struct drm_clip_rect___evtap r;
	struct drm_crtc___evtap *crtc;
	__u64 ppm = EVTAP_DISPLAY_FULL_PPM, area = 0;
	__u32 n = BPF_CORE_READ(cmd, num_clips);
	void *clips = (void *)BPF_CORE_READ(cmd, clips_ptr);

	evtap_display_inc(&display_hits, EVTAP_DHOOK_DIRTYFB_IOCTL);
	crtc = evtap_crtc_showing(dev, BPF_CORE_READ(cmd, fb_id));
	if (!crtc) {
		/* Not on screen: nothing visible changed. */
		evtap_display_inc(&display_stats, EVTAP_STAT_SEEN);
		evtap_display_inc(&display_stats, EVTAP_STAT_FILTERED);
		return 0;
	}
	if (n && n <= EVTAP_DISPLAY_MAX_CLIPS) {
		for (int i = 0; i < EVTAP_DISPLAY_MAX_CLIPS; i++) {
			if (i >= n)
				break;
			if (bpf_probe_read_user(&r, sizeof(r), clips + i * sizeof(r))) {
				area = 0;
				break;
			}
			area += evtap_rect_area(r.x1, r.y1, r.x2, r.y2);
		}
		if (area)
			ppm = evtap_display_ppm(
				area, evtap_fb_area(BPF_CORE_READ(crtc, primary, state, fb)));
	}
	evtap_display_event(BPF_CORE_READ(crtc, index), EVTAP_DISPLAY_DAMAGE, ppm, 0);
	return 0;
}

/*
 * A vblank or page-flip completion event delivered to a client. Flips are already counted at
 * commit, so this only counts the hook (display_hits): it never fires on drivers without vblank
 * interrupts, such as bochs.
 */
SEC("tp_btf/drm_vblank_event_delivered")
int BPF_PROG(evtap_display_vblank_event_delivered, void *file, int crtc, unsigned int seq)
{
	evtap_display_inc(&display_hits, EVTAP_DHOOK_VBLANK_EVENT_DELIVERED);
	return 0;
}

#endif /* EVTAP_DISPLAY_HOOKS_BPF_H */
