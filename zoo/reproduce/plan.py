"""What ``zoo reproduce`` compares: registrations, models, latent spaces and pairs.

Every pair the research compares (brain native vs template-registered, vs VoxelMorph, and
the template-space "MNI" slice as a labelled oracle; DXA 12 native vs homography and vs
VoxelMorph; DXA 2/5 and 11/12 autoencoders vs DropFuse; ECG strip vs median beat; cardiac
cine vs DeepCycle; cine and ECG autoencoders vs the cine↔ECG DropFuse) is one ``Pair`` of
latent spaces, A the method and B its baseline. A latent space is the encoder of one
tensor inside one trained model (an autoencoder, or one side of a DropFuse pair model).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from zoo.modalities import modality_of, tensor_record
from zoo.registration.methods import get_method

__all__ = ["Registration", "Model", "BOTTLENECKS", "bottleneck_of", "Space", "Pair", "REGISTRATIONS", "MODELS", "SPACES", "PAIRS",
           "SWEEP_PAIRS", "FACTOR_TRAITS", "DISEASES", "SOURCE_TENSORS", "own_traits", "space", "pair_models"]


@dataclass(frozen=True)
class Registration:
    """``method`` registers store tensor ``source`` into ``out`` (``zoo register METHOD
    --tensor SOURCE --out-tensor OUT``), with ``options`` as ``(name, value)`` pairs."""

    method: str
    source: str
    out: str
    options: tuple = ()

    def __post_init__(self) -> None:
        # only the pairings the modality records allow, with options the method takes
        if not tensor_record(self.source).allows(self.method):
            raise ValueError(f"Expected a method zoo.modalities lists for {self.source} "
                             f"{tensor_record(self.source).methods}, got {self.method!r}")
        get_method(self.method).parse(dict(self.options))

    @property
    def learned(self) -> bool:
        """Does the method train a network (the registry says)?"""
        return get_method(self.method).learned

    def to_dict(self) -> dict:
        return {**asdict(self), "learned": self.learned}


# The encoder bottleneck per modality (ml4h's --bottleneck_type). An ECG strip holds ~10
# beats that fall at different times for each person (heart rate, start phase): averaging
# the last conv features over time makes the latent shift-invariant, where flattening them
# ties it to beat positions (the strip then keeps ~3 % of the median beat's trait R²).
# Every space of a modality, registered or not, gets the same bottleneck, so each pair
# compares one architecture; images keep ml4h's position-aware flatten.
BOTTLENECKS = {"ecg": "global_average_pool"}
DEFAULT_BOTTLENECK = "flatten_restructure"


def bottleneck_of(tensor: str) -> str:
    return BOTTLENECKS.get(modality_of(tensor), DEFAULT_BOTTLENECK)


@dataclass(frozen=True)
class Model:
    """One trained model: an autoencoder (one input) or a DropFuse pair model (two)."""

    name: str
    inputs: tuple[str, ...]

    @property
    def dropfuse(self) -> bool:
        return len(self.inputs) > 1

    @property
    def bottlenecks(self) -> tuple[str, ...]:
        """The encoder bottleneck of each input, in input order."""
        return tuple(bottleneck_of(t) for t in self.inputs)

    def to_dict(self) -> dict:
        return {"name": self.name, "inputs": list(self.inputs), "dropfuse": self.dropfuse,
                "bottlenecks": list(self.bottlenecks)}


@dataclass(frozen=True)
class Space:
    """A latent space: the encoder of ``tensor`` in ``model``. ``truth_tensor`` names the
    phantom tensor whose factors it should find (a registered tensor's source)."""

    name: str
    model: str
    tensor: str
    truth_tensor: str
    modality: str
    role: str  # native | registered | oracle | dropfuse

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Pair:
    """Latent space ``a`` (the method) against ``b`` (its baseline); ``oracle`` marks an
    upper bound the phantom renders without nuisance, which no method produces."""

    a: str
    b: str
    modality: str
    method: str
    oracle: bool = False

    @property
    def label(self) -> str:
        return f"{self.a} vs {self.b}"

    def to_dict(self) -> dict:
        return {**asdict(self), "label": self.label}


SOURCE_TENSORS = ("t1_slice_80", "t1_mni_slice_80", "dxa_2", "dxa_5", "dxa_11", "dxa_12", "ecg_rest",
                  "lax_4ch_heart_center")

REGISTRATIONS = (
    # rigid: the phantom's brain pose is rigid, and scaling would erase head size (biology)
    Registration("template", "t1_slice_80", "t1_slice_80_template", options=(("transform", "rigid"),)),
    # VoxelMorph width 24 (default 32): the network ships with its preset, ≤ 1 MB a file
    Registration("voxelmorph", "t1_slice_80", "t1_slice_80_voxelmorph", options=(("width", 24),)),
    Registration("homography", "dxa_12", "dxa_12_homography"),
    Registration("voxelmorph", "dxa_12", "dxa_12_voxelmorph", options=(("width", 24),)),
    Registration("median_beat", "ecg_rest", "ecg_rest_median_beat"),
    Registration("deepcycle", "lax_4ch_heart_center", "lax_4ch_heart_center_deepcycle"),
    Registration("voxelmorph", "lax_4ch_heart_center", "lax_4ch_heart_center_voxelmorph", options=(("width", 24),)),
)

_AE = ("t1_slice_80", "t1_slice_80_template", "t1_slice_80_voxelmorph", "t1_mni_slice_80", "dxa_2", "dxa_5",
       "dxa_11", "dxa_12", "dxa_12_homography", "dxa_12_voxelmorph", "ecg_rest", "ecg_rest_median_beat",
       "lax_4ch_heart_center", "lax_4ch_heart_center_deepcycle", "lax_4ch_heart_center_voxelmorph")
_PAIR_MODELS = (("dxa_2", "dxa_5"), ("dxa_11", "dxa_12"), ("lax_4ch_heart_center", "ecg_rest_median_beat"))
MODELS = tuple(Model(f"ae_{t}", (t,)) for t in _AE) + tuple(
    Model(f"dropfuse_{a}_{b}", (a, b)) for a, b in _PAIR_MODELS)

_SOURCE_OF = {r.out: r.source for r in REGISTRATIONS}
def _spaces() -> tuple[Space, ...]:
    out = []
    for m in MODELS:
        for t in m.inputs:
            if m.dropfuse:
                role, name = "dropfuse", f"{t}@{m.name}"
            else:
                role = "oracle" if t == "t1_mni_slice_80" else "registered" if t in _SOURCE_OF else "native"
                name = t
            out.append(Space(name, m.name, t, _SOURCE_OF.get(t, t), modality_of(t), role))
    return tuple(out)


SPACES = _spaces()

PAIRS = (
    Pair("t1_slice_80_template", "t1_slice_80", "brain", "template (rigid, ours)"),
    Pair("t1_slice_80_voxelmorph", "t1_slice_80", "brain", "VoxelMorph (learned)"),
    Pair("t1_mni_slice_80", "t1_slice_80", "brain", "MNI slice (oracle upper bound)", oracle=True),
    Pair("dxa_12_homography", "dxa_12", "dxa", "homography"),
    Pair("dxa_12_voxelmorph", "dxa_12", "dxa", "VoxelMorph (learned)"),
    Pair("dxa_2@dropfuse_dxa_2_dxa_5", "dxa_2", "dxa", "DropFuse dxa_2↔dxa_5"),
    Pair("dxa_5@dropfuse_dxa_2_dxa_5", "dxa_5", "dxa", "DropFuse dxa_2↔dxa_5"),
    Pair("dxa_11@dropfuse_dxa_11_dxa_12", "dxa_11", "dxa", "DropFuse dxa_11↔dxa_12"),
    Pair("dxa_12@dropfuse_dxa_11_dxa_12", "dxa_12", "dxa", "DropFuse dxa_11↔dxa_12"),
    Pair("ecg_rest_median_beat", "ecg_rest", "ecg", "median beat"),
    Pair("lax_4ch_heart_center_deepcycle", "lax_4ch_heart_center", "cine", "DeepCycle (learned)"),
    Pair("lax_4ch_heart_center_voxelmorph", "lax_4ch_heart_center", "cine", "VoxelMorph (learned)"),
    Pair("lax_4ch_heart_center@dropfuse_lax_4ch_heart_center_ecg_rest_median_beat", "lax_4ch_heart_center",
         "cine", "DropFuse cine↔ECG (cine side)"),
    Pair("ecg_rest_median_beat@dropfuse_lax_4ch_heart_center_ecg_rest_median_beat", "ecg_rest_median_beat",
         "ecg", "DropFuse cine↔ECG (ECG side)"),
)

# The nuisance sweep reruns the registrations that remove the dialled nuisance directly.
SWEEP_PAIRS = (PAIRS[0], PAIRS[3], PAIRS[9], PAIRS[10])

# phenotype columns each factor drives (phantom anatomy → phenotypes.csv); brain_atrophy
# has no measured continuous trait
FACTOR_TRAITS = {
    "body_size": ("height",), "adiposity": ("bmi",), "bone_density": ("bone_density",),
    "cardiac_size": ("lvedv", "lv_mass"), "cardiac_function": ("lvef",), "conduction": ("qrs_duration",),
    "heart_rate": ("rr_interval",), "brain_volume": ("brain_volume",), "brain_atrophy": (),
}
DISEASES = ("hypertension", "type2_diabetes", "atrial_fibrillation", "hypercholesterolemia")


def own_traits(factors) -> tuple[str, ...]:
    """The measured traits a tensor's own factors drive, in factor order, without repeats."""
    return tuple(dict.fromkeys(t for f in factors for t in FACTOR_TRAITS.get(f, ())))


def space(name: str) -> Space:
    for s in SPACES:
        if s.name == name:
            return s
    raise ValueError(f"Expected a latent space in {[s.name for s in SPACES]}, got {name!r}")


def pair_models(pairs) -> tuple[Model, ...]:
    """The models the given pairs need, in MODELS order."""
    need = {space(n).model for p in pairs for n in (p.a, p.b)}
    return tuple(m for m in MODELS if m.name in need)
