"""helpers.cross_entropy and cross_entropy_grad with PyTorch's options (issue 26): reduction, weight, ignore_index
and label_smoothing, each checked against two independent references: the formula written out here with SciPy's
log_softmax, and values computed by PyTorch 2.13.0 and recorded below (PyTorch is never a dependency of the book)."""

import itertools

import numpy as np
import pytest
import scipy.special

from helpers import cross_entropy, cross_entropy_grad, numerical_gradient

Z = np.array([[2.0, 1.0, -1.0], [0.5, 0.5, 3.0], [1.0, -2.0, 0.0], [-0.3, 0.8, 0.1]])
LABELS = np.array([0, 2, 1, 2])
PROBS = np.array([[0.7, 0.2, 0.1], [0.0, 0.0, 1.0], [0.25, 0.5, 0.25], [0.1, 0.3, 0.6]])
W = np.array([0.2, 1.0, 3.0])

# torch 2.13.0+cpu, float64: F.cross_entropy(Z, target, reduction=..., weight=W, ignore_index=..., label_smoothing=...),
# recorded in a throwaway environment (torch is no dependency of the book).  The gradient is torch.autograd's, of
# loss.sum() (for reduction="none", row n is the gradient of example n's own loss).
# Key: (target kind, reduction, weighted, ignore_index, label_smoothing) -> (loss, gradient).
TORCH_2_13_0 = {
    ('labels', 'mean', False, None, 0.0): (
        1.2885129211585717,
        [
            [-0.0736538718254397, 0.06487411508560478, 0.008779756739834933],
            [0.01762736516530126, 0.01762736516530126, -0.03525473033060256],
            [0.1763461281745603, -0.24122024326016506, 0.06487411508560478],
            [0.04548770415823756, 0.13665261533950415, -0.1821403194977417],
        ],
    ),
    ('labels', 'mean', False, None, 0.1): (
        1.3193462544919052,
        [
            [-0.056987205158773035, 0.05654078175227145, 0.00044642340650159935],
            [0.009294031831967928, 0.009294031831967928, -0.018588063663935894],
            [0.16801279484122697, -0.2245535765934984, 0.05654078175227145],
            [0.03715437082490423, 0.12831928200617082, -0.16547365283107504],
        ],
    ),
    ('labels', 'mean', False, 1, 0.0): (
        0.6016798226220335,
        [
            [-0.0982051624339196, 0.0864988201141397, 0.011706342319779909],
            [0.023503153553735015, 0.023503153553735015, -0.04700630710747007],
            [0.0, 0.0, 0.0],
            [0.06065027221098341, 0.18220348711933887, -0.24285375933032227],
        ],
    ),
    ('labels', 'mean', False, 1, 0.1): (
        0.6983464892887001,
        [
            [-0.07598294021169735, 0.0753877090030286, 0.0005952312086687999],
            [0.012392042442623902, 0.012392042442623902, -0.024784084885247876],
            [0.0, 0.0, 0.0],
            [0.049539161099872296, 0.17109237600822774, -0.22063153710810007],
        ],
    ),
    ('labels', 'mean', True, None, 0.0): (
        1.081513390752162,
        [
            [-0.008183763536159967, 0.007208235009511643, 0.0009755285266483259],
            [0.02937894194216877, 0.02937894194216877, -0.0587578838843376],
            [0.09797007120808907, -0.13401124625564725, 0.036041175047558216],
            [0.07581284026372927, 0.2277543588991736, -0.30356719916290287],
        ],
    ),
    ('labels', 'mean', True, None, 0.1): (
        1.1003389825818717,
        [
            [0.005424496860662571, 0.006903546385588999, -0.012328043246251566],
            [0.026886139112660506, 0.023182435408956804, -0.050068574521617386],
            [0.10096294813048669, -0.12455688129105832, 0.02359393316057165],
            [0.07084356285707111, 0.2109778301282547, -0.2818213929853258],
        ],
    ),
    ('labels', 'mean', True, 1, 0.0): (
        0.7157877736528031,
        [
            [-0.009503725396830929, 0.008370853559432874, 0.0011328718373980558],
            [0.034117480965099214, 0.034117480965099214, -0.0682349619301985],
            [0.0, 0.0, 0.0],
            [0.08804071772562108, 0.26448893291516934, -0.3525296506407904],
        ],
    ),
    ('labels', 'mean', True, 1, 0.1): (
        0.7515270917984778,
        [
            [0.006299415709156535, 0.008017021609071097, -0.014316437318227626],
            [0.03122261316308963, 0.026921537894272422, -0.0581441510573621],
            [0.0, 0.0, 0.0],
            [0.08226994396305033, 0.2450065124070055, -0.3272764563700558],
        ],
    ),
    ('labels', 'sum', False, None, 0.0): (
        5.154051684634287,
        [
            [-0.2946154873017588, 0.25949646034241913, 0.03511902695933973],
            [0.07050946066120505, 0.07050946066120505, -0.14101892132241023],
            [0.7053845126982412, -0.9648809730406602, 0.25949646034241913],
            [0.18195081663295024, 0.5466104613580166, -0.7285612779909668],
        ],
    ),
    ('labels', 'sum', False, None, 0.1): (
        5.277385017967621,
        [
            [-0.22794882063509214, 0.2261631270090858, 0.0017856936260063974],
            [0.03717612732787171, 0.03717612732787171, -0.07435225465574358],
            [0.6720511793649079, -0.8982143063739936, 0.2261631270090858],
            [0.1486174832996169, 0.5132771280246833, -0.6618946113243002],
        ],
    ),
    ('labels', 'sum', False, 1, 0.0): (
        1.8050394678661004,
        [
            [-0.2946154873017588, 0.25949646034241913, 0.03511902695933973],
            [0.07050946066120505, 0.07050946066120505, -0.14101892132241023],
            [0.0, 0.0, 0.0],
            [0.18195081663295024, 0.5466104613580166, -0.7285612779909668],
        ],
    ),
    ('labels', 'sum', False, 1, 0.1): (
        2.0950394678661004,
        [
            [-0.22794882063509214, 0.2261631270090858, 0.0017856936260063974],
            [0.03717612732787171, 0.03717612732787171, -0.07435225465574358],
            [0.0, 0.0, 0.0],
            [0.1486174832996169, 0.5132771280246833, -0.6618946113243002],
        ],
    ),
    ('labels', 'sum', True, None, 0.0): (
        7.786896413415565,
        [
            [-0.058923097460351764, 0.05189929206848383, 0.007023805391867946],
            [0.21152838198361512, 0.21152838198361512, -0.4230567639672307],
            [0.7053845126982412, -0.9648809730406602, 0.25949646034241913],
            [0.5458524498988507, 1.63983138407405, -2.1856838339729006],
        ],
    ),
    ('labels', 'sum', True, None, 0.1): (
        7.922440674589476,
        [
            [0.039056377396770516, 0.04970553397624079, -0.08876191137301129],
            [0.1935802016111557, 0.16691353494448902, -0.36049373655564504],
            [0.7269332265395042, -0.8968095452956201, 0.1698763187561159],
            [0.5100736525709121, 1.519040376923434, -2.029114029494346],
        ],
    ),
    ('labels', 'sum', True, 1, 0.0): (
        4.43788419664738,
        [
            [-0.058923097460351764, 0.05189929206848383, 0.007023805391867946],
            [0.21152838198361512, 0.21152838198361512, -0.4230567639672307],
            [0.0, 0.0, 0.0],
            [0.5458524498988507, 1.63983138407405, -2.1856838339729006],
        ],
    ),
    ('labels', 'sum', True, 1, 0.1): (
        4.659467969150563,
        [
            [0.039056377396770516, 0.04970553397624079, -0.08876191137301129],
            [0.1935802016111557, 0.16691353494448902, -0.36049373655564504],
            [0.0, 0.0, 0.0],
            [0.5100736525709121, 1.519040376923434, -2.029114029494346],
        ],
    ),
    ('labels', 'none', False, None, 0.0): (
        [0.34901221676818633, 0.1520083843911351, 3.349012216768186, 1.304018866706779],
        [
            [-0.2946154873017588, 0.25949646034241913, 0.03511902695933973],
            [0.07050946066120505, 0.07050946066120505, -0.14101892132241023],
            [0.7053845126982412, -0.9648809730406602, 0.25949646034241913],
            [0.18195081663295024, 0.5466104613580166, -0.7285612779909668],
        ],
    ),
    ('labels', 'none', False, None, 0.1): (
        [0.4823455501015197, 0.3186750510578018, 3.1823455501015196, 1.2940188667067791],
        [
            [-0.22794882063509214, 0.2261631270090858, 0.0017856936260063974],
            [0.03717612732787171, 0.03717612732787171, -0.07435225465574358],
            [0.6720511793649079, -0.8982143063739936, 0.2261631270090858],
            [0.1486174832996169, 0.5132771280246833, -0.6618946113243002],
        ],
    ),
    ('labels', 'none', False, 1, 0.0): (
        [0.34901221676818633, 0.1520083843911351, 0.0, 1.304018866706779],
        [
            [-0.2946154873017588, 0.25949646034241913, 0.03511902695933973],
            [0.07050946066120505, 0.07050946066120505, -0.14101892132241023],
            [0.0, 0.0, 0.0],
            [0.18195081663295024, 0.5466104613580166, -0.7285612779909668],
        ],
    ),
    ('labels', 'none', False, 1, 0.1): (
        [0.4823455501015197, 0.3186750510578018, 0.0, 1.2940188667067791],
        [
            [-0.22794882063509214, 0.2261631270090858, 0.0017856936260063974],
            [0.03717612732787171, 0.03717612732787171, -0.07435225465574358],
            [0.0, 0.0, 0.0],
            [0.1486174832996169, 0.5132771280246833, -0.6618946113243002],
        ],
    ),
    ('labels', 'none', True, None, 0.0): (
        [0.06980244335363726, 0.4560251531734053, 3.349012216768186, 3.9120566001203367],
        [
            [-0.058923097460351764, 0.05189929206848383, 0.007023805391867946],
            [0.21152838198361512, 0.21152838198361512, -0.4230567639672307],
            [0.7053845126982412, -0.9648809730406602, 0.25949646034241913],
            [0.5458524498988507, 1.63983138407405, -2.1856838339729006],
        ],
    ),
    ('labels', 'none', True, None, 0.1): (
        [0.445017242699153, 0.5317038116708237, 3.2629727054389135, 3.6827469147805854],
        [
            [0.039056377396770516, 0.04970553397624079, -0.08876191137301129],
            [0.1935802016111557, 0.16691353494448902, -0.36049373655564504],
            [0.7269332265395042, -0.8968095452956201, 0.1698763187561159],
            [0.5100736525709121, 1.519040376923434, -2.029114029494346],
        ],
    ),
    ('labels', 'none', True, 1, 0.0): (
        [0.06980244335363726, 0.4560251531734053, 0.0, 3.9120566001203367],
        [
            [-0.058923097460351764, 0.05189929206848383, 0.007023805391867946],
            [0.21152838198361512, 0.21152838198361512, -0.4230567639672307],
            [0.0, 0.0, 0.0],
            [0.5458524498988507, 1.63983138407405, -2.1856838339729006],
        ],
    ),
    ('labels', 'none', True, 1, 0.1): (
        [0.445017242699153, 0.5317038116708237, 0.0, 3.6827469147805854],
        [
            [0.039056377396770516, 0.04970553397624079, -0.08876191137301129],
            [0.1935802016111557, 0.16691353494448902, -0.36049373655564504],
            [0.0, 0.0, 0.0],
            [0.5100736525709121, 1.519040376923434, -2.029114029494346],
        ],
    ),
    ('probs', 'mean', False, None, 0.0): (
        1.0585129211585715,
        [
            [0.0013461281745602931, 0.014874115085604774, -0.01622024326016507],
            [0.01762736516530126, 0.01762736516530126, -0.03525473033060256],
            [0.1138461281745603, -0.11622024326016507, 0.0023741150856047832],
            [0.020487704158237557, 0.061652615339504155, -0.0821403194977417],
        ],
    ),
    ('probs', 'mean', False, None, 0.1): (
        1.1123462544919052,
        [
            [0.010512794841226969, 0.011540781752271446, -0.022053576593498405],
            [0.009294031831967928, 0.009294031831967928, -0.018588063663935894],
            [0.11176279484122696, -0.1120535765934984, 0.00029078175227144343],
            [0.014654370824904221, 0.060819282006170816, -0.07547365283107504],
        ],
    ),
    ('probs', 'mean', True, None, 0.0): (
        1.7614072127805145,
        [
            [0.0778615220317186, -0.00848056634521294, -0.06938095568650565],
            [0.05288209549590378, 0.05288209549590378, -0.10576419099180767],
            [0.2167499666269284, -0.1135863162382146, -0.10316365038871378],
            [0.09143393281546361, 0.21470354451974877, -0.3061374773352124],
        ],
    ),
    ('probs', 'mean', True, None, 0.1): (
        1.81382496713133,
        [
            [0.09309716110631852, -0.0068834669320403065, -0.0862136941742782],
            [0.048395050402788915, 0.04172838373612225, -0.09012343413891125],
            [0.21809676124200733, -0.10933185200414958, -0.10876490923785777],
            [0.08699215144940385, 0.20403122288197117, -0.29102337433137504],
        ],
    ),
    ('probs', 'sum', False, None, 0.0): (
        4.234051684634286,
        [
            [0.0053845126982411725, 0.059496460342419094, -0.06488097304066028],
            [0.07050946066120505, 0.07050946066120505, -0.14101892132241023],
            [0.4553845126982412, -0.4648809730406603, 0.009496460342419133],
            [0.08195081663295023, 0.24661046135801662, -0.3285612779909668],
        ],
    ),
    ('probs', 'sum', False, None, 0.1): (
        4.449385017967621,
        [
            [0.042051179364907876, 0.046163127009085786, -0.08821430637399362],
            [0.03717612732787171, 0.03717612732787171, -0.07435225465574358],
            [0.44705117936490785, -0.4482143063739936, 0.0011631270090857737],
            [0.058617483299616885, 0.24327712802468326, -0.3018946113243002],
        ],
    ),
    ('probs', 'sum', True, None, 0.0): (
        7.045628851122058,
        [
            [0.3114460881268744, -0.03392226538085176, -0.2775238227460226],
            [0.21152838198361512, 0.21152838198361512, -0.4230567639672307],
            [0.8669998665077135, -0.4543452649528584, -0.4126546015548551],
            [0.36573573126185444, 0.8588141780789951, -1.2245499093408496],
        ],
    ),
    ('probs', 'sum', True, None, 0.1): (
        7.25529986852532,
        [
            [0.3723886444252741, -0.027533867728161226, -0.3448547766971128],
            [0.19358020161115566, 0.166913534944489, -0.360493736555645],
            [0.8723870449680293, -0.4373274080165983, -0.4350596369514311],
            [0.3479686057976154, 0.8161248915278847, -1.1640934973255002],
        ],
    ),
    ('probs', 'none', False, None, 0.0): (
        [0.8490122167681864, 0.1520083843911351, 2.099012216768186, 1.134018866706779],
        [
            [0.0053845126982411725, 0.059496460342419094, -0.06488097304066028],
            [0.07050946066120505, 0.07050946066120505, -0.14101892132241023],
            [0.4553845126982412, -0.4648809730406603, 0.009496460342419133],
            [0.08195081663295023, 0.24661046135801662, -0.3285612779909668],
        ],
    ),
    ('probs', 'none', False, None, 0.1): (
        [0.9323455501015196, 0.3186750510578018, 2.0573455501015196, 1.1410188667067789],
        [
            [0.042051179364907876, 0.046163127009085786, -0.08821430637399362],
            [0.03717612732787171, 0.03717612732787171, -0.07435225465574358],
            [0.44705117936490785, -0.4482143063739936, 0.0011631270090857737],
            [0.058617483299616885, 0.24327712802468326, -0.3018946113243002],
        ],
    ),
    ('probs', 'none', True, None, 0.0): (
        [1.3233678187316393, 0.4560251531734053, 2.703715881798642, 2.562519997418371],
        [
            [0.3114460881268744, -0.03392226538085176, -0.2775238227460226],
            [0.21152838198361512, 0.21152838198361512, -0.4230567639672307],
            [0.8669998665077135, -0.4543452649528584, -0.4126546015548551],
            [0.36573573126185444, 0.8588141780789951, -1.2245499093408496],
        ],
    ),
    ('probs', 'none', True, None, 0.1): (
        [1.5732260805393548, 0.5317038116708237, 2.682206003966324, 2.4681639723488167],
        [
            [0.3723886444252741, -0.027533867728161226, -0.3448547766971128],
            [0.19358020161115566, 0.166913534944489, -0.360493736555645],
            [0.8723870449680293, -0.4373274080165983, -0.4350596369514311],
            [0.3479686057976154, 0.8161248915278847, -1.1640934973255002],
        ],
    ),
}


def direct_formula(z, target_kind, reduction, weighted, ignore_index, eps):
    """PyTorch's documented formulas, written out: per example l_n = -sum_c w_c q_nc log p_nc with the smoothed
    target q = (1 - eps) y + eps / k; the mean divides by sum_n w_{c_n} over counted examples (integer labels) or
    by m (probability rows); ignored examples count nowhere."""
    m, k = z.shape
    w = W if weighted else np.ones(k)
    logp = scipy.special.log_softmax(z, axis=1)
    if target_kind == "labels":
        y = np.eye(k)[LABELS]
        counted = LABELS != ignore_index
        denominator = sum(w[c] for c, keep in zip(LABELS, counted) if keep)
    else:
        y = PROBS
        counted = np.ones(m, dtype=bool)
        denominator = m
    q = (1 - eps) * y + eps / k
    losses = np.array([-(w * q[n] * logp[n]).sum() if counted[n] else 0.0 for n in range(m)])
    return {"mean": losses.sum() / denominator, "sum": losses.sum(), "none": losses}[reduction]


def call(f, target_kind, reduction, weighted, ignore_index, eps):
    target = LABELS if target_kind == "labels" else PROBS
    return f(Z, target, reduction=reduction, weight=W if weighted else None, ignore_index=ignore_index,
             label_smoothing=eps)


@pytest.mark.parametrize("key", list(TORCH_2_13_0), ids=str)
def test_the_loss_agrees_with_the_formula_and_with_pytorch(key):
    loss = call(cross_entropy, *key)
    np.testing.assert_allclose(loss, direct_formula(Z, *key), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(loss, TORCH_2_13_0[key][0], rtol=1e-14, atol=1e-15)
    assert np.shape(loss) == ((4,) if key[1] == "none" else ())


@pytest.mark.parametrize("key", list(TORCH_2_13_0), ids=str)
def test_the_gradient_agrees_with_finite_differences_and_with_pytorch(key):
    grad = call(cross_entropy_grad, *key)
    np.testing.assert_allclose(grad, TORCH_2_13_0[key][1], rtol=1e-13, atol=1e-15)
    # finite differences of the formula written above (of the sum of the per-example losses for "none")
    fd = numerical_gradient(lambda z: float(np.sum(direct_formula(z, *key))), Z)
    np.testing.assert_allclose(grad, fd, atol=1e-9)


def test_the_recorded_cases_cover_every_option_and_its_combinations():
    kinds, reductions, weighted, ignored, eps = (set(values) for values in zip(*TORCH_2_13_0))
    assert kinds == {"labels", "probs"} and reductions == {"mean", "sum", "none"}
    assert weighted == {False, True} and ignored == {None, 1} and eps == {0.0, 0.1}
    assert len(TORCH_2_13_0) == 2 * 3 * 2 * 2 + 3 * 2 * 2


def test_a_weighted_mean_of_integer_labels_divides_by_the_weights_not_by_m():
    # PyTorch's documented denominator: 0.2 + 3.0 + 1.0 + 3.0 = 7.2, not 4
    summed = cross_entropy(Z, LABELS, weight=W, reduction="sum")
    assert cross_entropy(Z, LABELS, weight=W) == pytest.approx(summed / 7.2, rel=1e-15)
    assert cross_entropy(Z, LABELS, weight=W) != pytest.approx(summed / 4)


def test_the_same_labels_as_one_hot_rows_divide_by_m_as_pytorch_does():
    # PyTorch's formula for probability targets divides by the batch size, so weighted one-hot rows and weighted
    # integer labels give different means (here 7.2 / 4 apart), the sums agree
    one_hot = np.eye(3)[LABELS]
    assert cross_entropy(Z, one_hot, weight=W, reduction="sum") == pytest.approx(
        cross_entropy(Z, LABELS, weight=W, reduction="sum"), rel=1e-15)
    ratio = cross_entropy(Z, one_hot, weight=W) / cross_entropy(Z, LABELS, weight=W)
    assert ratio == pytest.approx(7.2 / 4, rel=1e-14)


def test_ignored_examples_count_neither_in_the_sum_nor_in_the_mean():
    kept = LABELS != 1
    assert cross_entropy(Z, LABELS, ignore_index=1) == pytest.approx(cross_entropy(Z[kept], LABELS[kept]), rel=1e-15)
    np.testing.assert_array_equal(cross_entropy_grad(Z, LABELS, ignore_index=1)[~kept], 0.0)
    # an ignore_index outside the classes, as PyTorch's -100, may appear in the labels
    padded = np.array([0, -100, 2, -100])
    assert cross_entropy(Z, padded, ignore_index=-100) == pytest.approx(
        cross_entropy(Z[[0, 2]], np.array([0, 2])), rel=1e-15)


@pytest.mark.parametrize("eps", [0.0, 0.3, 1.0])
def test_label_smoothing_is_the_loss_against_the_smoothed_rows(eps):
    smoothed = (1 - eps) * np.eye(3)[LABELS] + eps / 3
    assert cross_entropy(Z, LABELS, label_smoothing=eps) == pytest.approx(cross_entropy(Z, smoothed), rel=1e-14)
    np.testing.assert_allclose(cross_entropy_grad(Z, LABELS, label_smoothing=eps),
                               (scipy.special.softmax(Z, axis=1) - smoothed) / 4, rtol=1e-13, atol=1e-16)


def test_a_single_example_with_reduction_none_is_one_number():
    assert np.shape(cross_entropy(Z[0], 0, reduction="none")) == ()
    assert cross_entropy(Z[0], 0, reduction="none") == pytest.approx(-scipy.special.log_softmax(Z[0])[0])
    assert cross_entropy_grad(Z[0], 0, reduction="none").shape == (3,)


def test_an_empty_batch_sums_to_zero_and_has_no_mean():
    empty, no_labels = np.zeros((0, 3)), np.zeros(0, dtype=int)
    assert cross_entropy(empty, no_labels, reduction="sum") == 0.0  # torch 2.13.0: tensor(0.)
    assert cross_entropy(empty, no_labels, reduction="none").shape == (0,)
    assert cross_entropy_grad(empty, no_labels, reduction="sum").shape == (0, 3)
    with pytest.raises(ValueError, match="PyTorch returns nan"):  # torch 2.13.0: tensor(nan)
        cross_entropy(empty, no_labels)


BAD_OPTIONS = [
    pytest.param(dict(reduction="avg"), ValueError, "reduction must be one of", id="reduction-avg"),
    pytest.param(dict(reduction=None), ValueError, "reduction must be one of", id="reduction-none-object"),
    pytest.param(dict(label_smoothing=1.5), ValueError, r"label_smoothing must be in \[0, 1\]", id="eps-1.5"),
    pytest.param(dict(label_smoothing=-0.1), ValueError, r"label_smoothing must be in \[0, 1\]", id="eps-negative"),
    pytest.param(dict(label_smoothing=np.nan), ValueError, r"label_smoothing must be in \[0, 1\]", id="eps-nan"),
    pytest.param(dict(label_smoothing=True), TypeError, "label_smoothing must be a number", id="eps-bool"),
    pytest.param(dict(label_smoothing="0.1"), TypeError, "label_smoothing must be a number", id="eps-str"),
    pytest.param(dict(weight=[1.0, 2.0]), ValueError, r"one number per class, shape \(3,\)", id="weight-too-short"),
    pytest.param(dict(weight=[[1.0, 2.0, 3.0]]), ValueError, "one number per class", id="weight-2d"),
    pytest.param(dict(weight=[1.0, -1.0, 1.0]), ValueError, "non-negative.*class 1", id="weight-negative"),
    pytest.param(dict(weight=[1.0, np.inf, 1.0]), ValueError, "finite", id="weight-inf"),
    pytest.param(dict(weight=[1.0, np.nan, 1.0]), ValueError, "NaN", id="weight-nan"),
    pytest.param(dict(weight=["a", "b", "c"]), TypeError, "real numbers", id="weight-str"),
    pytest.param(dict(ignore_index=1.0), TypeError, "ignore_index must be an int", id="ignore-float"),
    pytest.param(dict(ignore_index=True), TypeError, "ignore_index must be an int", id="ignore-bool"),
    pytest.param(dict(ignore_index=1, reduction="mean", weight=[1.0, 1.0, 0.0]), ValueError,
                 "total weight .* is 0", id="nothing-left-to-average"),
]


@pytest.mark.parametrize("f", [cross_entropy, cross_entropy_grad], ids=["cross_entropy", "cross_entropy_grad"])
@pytest.mark.parametrize(("options", "error", "message"), BAD_OPTIONS)
def test_bad_options_raise_a_named_error(f, options, error, message):
    labels = np.array([1, 2, 2]) if options.get("ignore_index") == 1 else np.array([0, 2, 1])
    with pytest.raises(error, match=message):
        f(Z[:3], labels, **options)


@pytest.mark.parametrize("f", [cross_entropy, cross_entropy_grad], ids=["cross_entropy", "cross_entropy_grad"])
def test_ignore_index_with_probability_rows_raises_as_in_pytorch(f):
    # torch 2.13.0: RuntimeError "ignore_index is not supported for floating point target"
    with pytest.raises(ValueError, match="integer labels only"):
        f(Z, PROBS, ignore_index=1)


def test_a_label_outside_the_classes_is_still_refused_when_it_is_not_the_ignore_index():
    with pytest.raises(ValueError, match="out of range.*or the ignore_index -100"):
        cross_entropy(Z, np.array([0, -1, 2, 1]), ignore_index=-100)


def test_label_smoothing_refuses_a_masked_class():
    # eps / k lands on every class, the masked one included: the loss would be infinite
    with pytest.raises(ValueError, match="masked.*label smoothing"):
        cross_entropy(np.array([[0.0, -np.inf, 1.0]]), np.array([0]), label_smoothing=0.1)
    assert np.isfinite(cross_entropy(np.array([[0.0, -np.inf, 1.0]]), np.array([0])))


OPTION_GRID = list(itertools.product([False, True], [0.0, 0.2], [None, 2]))


@pytest.mark.parametrize(("weighted", "eps", "ignore_index"), OPTION_GRID)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_options_keep_the_logits_dtype(weighted, eps, ignore_index, dtype):
    z = Z.astype(dtype)
    loss = cross_entropy(z, LABELS, weight=W if weighted else None, label_smoothing=eps, ignore_index=ignore_index)
    grad = cross_entropy_grad(z, LABELS, weight=W if weighted else None, label_smoothing=eps,
                              ignore_index=ignore_index)
    assert loss.dtype == dtype and grad.dtype == dtype
