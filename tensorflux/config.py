"""tf.config: devices and threading. tensorflux runs on the CPU only."""
from collections import namedtuple

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])
_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")
_state = {"run_functions_eagerly": False}


def list_physical_devices(device_type=None):
    """Only the CPU: tensorflux has no GPU backend."""
    if device_type in (None, "CPU"):
        return [_CPU]
    return []


get_visible_devices = list_physical_devices
list_logical_devices = list_physical_devices


def set_visible_devices(devices, device_type=None):
    return None


def run_functions_eagerly(run_eagerly):
    _state["run_functions_eagerly"] = bool(run_eagerly)


def functions_run_eagerly():
    return _state["run_functions_eagerly"]


class experimental:
    @staticmethod
    def set_memory_growth(device, enable):
        return None

    @staticmethod
    def list_physical_devices(device_type=None):
        return list_physical_devices(device_type)

    @staticmethod
    def enable_op_determinism():
        return None


class threading:
    @staticmethod
    def set_inter_op_parallelism_threads(num_threads):
        return None

    @staticmethod
    def set_intra_op_parallelism_threads(num_threads):
        return None

    @staticmethod
    def get_inter_op_parallelism_threads():
        return 0

    @staticmethod
    def get_intra_op_parallelism_threads():
        return 0
